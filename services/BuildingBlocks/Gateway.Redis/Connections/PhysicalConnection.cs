using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Gateway.Redis.Protocol;

namespace Gateway.Redis.Connections;

/// <summary>
/// One TCP connection to Redis, shared by every caller. Callers put commands on an unbounded channel; a single write
/// loop drains it, writes each command into the pooled output pipe, appends it to the FIFO of commands awaiting replies,
/// and flushes once per batch (so a burst of concurrent commands costs one send). A single read loop parses replies
/// and completes the FIFO in order. When either loop fails, the connection is faulted exactly once: every queued and
/// in-flight command fails with <see cref="RedisConnectionException"/> (none is re-sent) and the owner is told.
/// </summary>
internal sealed class PhysicalConnection
{
    private const int FlushThreshold = 256 * 1024;

    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<PendingCommand> _outgoing = Channel.CreateUnbounded<PendingCommand>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false, AllowSynchronousContinuations = false });
    private readonly Queue<PendingCommand> _awaitingReply = new();
    private readonly Lock _awaitingLock = new();
    private readonly Action<RedisResult>? _onPush;
    private readonly Action<PhysicalConnection, Exception> _onFaulted;
    private readonly string _endpoint;
    private bool _closed;
    private int _faulted;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;

    /// <param name="socket">A connected socket; owned (and disposed) by this connection.</param>
    /// <param name="endpoint">host:port, for messages.</param>
    /// <param name="onPush">For a pub/sub connection: receives <c>message</c>/<c>pmessage</c> frames on the read loop.</param>
    /// <param name="onFaulted">Called once when the connection dies.</param>
    public PhysicalConnection(Socket socket, string endpoint, Action<RedisResult>? onPush, Action<PhysicalConnection, Exception> onFaulted)
    {
        _socket = socket;
        _endpoint = endpoint;
        _onPush = onPush;
        _onFaulted = onFaulted;
        var stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
    }

    public bool IsFaulted => Volatile.Read(ref _faulted) != 0;

    /// <summary>Completes when both loops have ended.</summary>
    public Task Completion => Task.WhenAll(_readLoop, _writeLoop);

    public void Start()
    {
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues a command for writing; false when the connection is already dead.</summary>
    public bool TryEnqueue(PendingCommand command) => _outgoing.Writer.TryWrite(command);

    /// <summary>Kills the connection (idempotent): fails every queued and in-flight command and notifies the owner.</summary>
    public void Fault(Exception reason)
    {
        if (Interlocked.Exchange(ref _faulted, 1) != 0)
        {
            return;
        }

        _outgoing.Writer.TryComplete();
        List<PendingCommand> orphans = [];
        lock (_awaitingLock)
        {
            _closed = true;
            orphans.AddRange(_awaitingReply);
            _awaitingReply.Clear();
        }

        while (_outgoing.Reader.TryRead(out var queued))
        {
            orphans.Add(queued);
        }

        try
        {
            _socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            _input.CancelPendingRead();
        }
        catch (InvalidOperationException)
        {
            // The read loop already completed the reader.
        }
        foreach (var command in orphans)
        {
            command.Fail(ConnectionLost(command.Command, reason));
        }

        _onFaulted(this, reason);
    }

    private async Task ReadLoopAsync()
    {
        Exception reason;
        try
        {
            var parser = new RespReader();
            while (true)
            {
                var read = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = read.Buffer;
                try
                {
                    while (parser.TryRead(ref buffer, out var reply))
                    {
                        OnReply(reply!);
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (read.IsCompleted || read.IsCanceled)
                {
                    reason = new RedisConnectionException($"Redis at {_endpoint} closed the connection.");
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            reason = ex;
        }

        try
        {
            await _input.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The socket is gone; nothing left to read.
        }

        Fault(reason);
    }

    private void OnReply(RedisResult reply)
    {
        if (_onPush is not null && IsPush(reply))
        {
            _onPush(reply);
            return;
        }

        PendingCommand? command;
        lock (_awaitingLock)
        {
            _awaitingReply.TryDequeue(out command);
        }

        if (command is null)
        {
            throw new RedisConnectionException($"Redis protocol error: a reply arrived from {_endpoint} with no command waiting for it. The connection is closed.");
        }

        command.Complete(reply);
    }

    // RESP2 pub/sub pushes: ["message", channel, payload] and ["pmessage", pattern, channel, payload].
    private static bool IsPush(RedisResult reply)
    {
        if (reply.Type != RedisResultType.Array)
        {
            return false;
        }

        var items = reply.Items;
        return (items.Count == 3 && items[0].IsBulkEqualTo("message"u8))
            || (items.Count == 4 && items[0].IsBulkEqualTo("pmessage"u8));
    }

    private async Task WriteLoopAsync()
    {
        Exception reason = new RedisConnectionException($"The connection to Redis at {_endpoint} was closed.");
        try
        {
            var reader = _outgoing.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var command))
                {
                    if (command.IsCompleted)
                    {
                        continue; // cancelled or timed out before it was written: never send it
                    }

                    lock (_awaitingLock)
                    {
                        if (_closed)
                        {
                            command.Fail(ConnectionLost(command.Command, reason));
                            continue;
                        }

                        // Queued for its reply before its bytes can reach the server, so the reply always finds it.
                        _awaitingReply.Enqueue(command);
                    }

                    RespWriter.WriteCommand(_output, command.Command, command.Args);
                    command.MarkWritten();
                    if (_output.UnflushedBytes >= FlushThreshold)
                    {
                        break;
                    }
                }

                var flush = await _output.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            reason = ex;
        }

        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The socket is gone; nothing left to flush.
        }

        Fault(reason);
    }

    private RedisConnectionException ConnectionLost(string command, Exception reason) =>
        reason is RedisConnectionException rce && rce.InnerException is null
            ? new RedisConnectionException($"Redis command {command} failed: {rce.Message} It may or may not have run; it is not retried.", rce)
            : new RedisConnectionException($"Redis command {command} failed: the connection to {_endpoint} was lost ({reason.Message}). It may or may not have run; it is not retried.", reason);
}
