namespace Gateway.Redis.Connections;

/// <summary>
/// One command on its way: queued for the write loop, then (once written) waiting in the connection's FIFO for its
/// reply. The task may complete early (timeout, cancellation); the command then stays in the FIFO so its reply is still
/// consumed in order, and that late reply is dropped. Continuations run asynchronously so callers never run on the
/// connection's read loop.
/// </summary>
internal sealed class PendingCommand : TaskCompletionSource<RedisResult>
{
    private CancellationTokenRegistration _cancellation;
    private volatile bool _written;

    public PendingCommand(string command, RedisValue[] args, long deadline)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Command = command;
        Args = args;
        Deadline = deadline;
    }

    public string Command { get; }

    /// <summary>The arguments; released once written so large payloads are not held while waiting for the reply.</summary>
    public RedisValue[]? Args { get; private set; }

    /// <summary>Stopwatch timestamp after which the command times out; <see cref="long.MaxValue"/> for none.</summary>
    public long Deadline { get; }

    public bool IsCompleted => Task.IsCompleted;

    public void MarkWritten()
    {
        Args = null;
        _written = true;
    }

    public void RegisterCancellation(CancellationToken ct)
    {
        _cancellation = ct.UnsafeRegister(static (state, token) => ((PendingCommand)state!).Cancel(token), this);
    }

    /// <summary>Completes with the reply; a top-level error reply becomes a <see cref="RedisServerException"/>.</summary>
    public void Complete(RedisResult reply)
    {
        if (IsCompleted)
        {
            return;
        }

        if (reply.Type == RedisResultType.Error)
        {
            TrySetException(new RedisServerException(reply.ErrorMessage));
        }
        else
        {
            TrySetResult(reply);
        }

        _cancellation.Unregister();
    }

    public void Fail(Exception exception)
    {
        if (TrySetException(exception))
        {
            _cancellation.Unregister();
        }
    }

    public void TimeOut(TimeSpan timeout)
    {
        var state = _written
            ? "it was sent; its reply will be discarded when it arrives"
            : "it was never sent";
        Fail(new RedisTimeoutException(
            $"Redis command {Command} timed out after {timeout.TotalMilliseconds:0} ms ({state})."));
    }

    private void Cancel(CancellationToken token) => TrySetCanceled(token);
}
