using System.Diagnostics;

namespace Gateway.Ingress.Dependencies;

/// <summary>
/// Deadlines for the calls a request makes before it reaches an upstream: each call gets at most
/// <c>Ingress:DependencyTimeoutMs</c> and all of them together at most <c>Ingress:PreUpstreamBudgetMs</c>.
/// One linked <see cref="CancellationTokenSource"/> per request, re-armed before each call (no allocation per call).
/// A call that outlives its deadline fails with <see cref="DependencyUnavailableException"/> even when the
/// implementation ignores its token, so a request never hangs on a dependency.
/// </summary>
internal sealed class DependencyDeadline : IDisposable
{
    private readonly CancellationToken _requestAborted;
    private readonly TimeSpan _perCall;
    private readonly long _budgetEnd;
    private CancellationTokenSource _cts;

    public DependencyDeadline(TimeSpan perCall, TimeSpan budget, CancellationToken requestAborted)
    {
        _requestAborted = requestAborted;
        _perCall = perCall;
        _budgetEnd = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
    }

    public async ValueTask<T> CallAsync<TState, T>(
        string dependency, TState state, Func<TState, CancellationToken, ValueTask<T>> call)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _budgetEnd);
        if (remaining <= TimeSpan.Zero)
        {
            throw new DependencyUnavailableException(dependency, new TimeoutException("The pre-upstream time budget is spent."));
        }

        var token = Arm(remaining < _perCall ? remaining : _perCall);
        try
        {
            var pending = call(state, token);
            if (pending.IsCompletedSuccessfully)
            {
                return pending.Result;
            }

            // WaitAsync returns at the deadline even when the implementation does not observe the token.
            return await pending.AsTask().WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!_requestAborted.IsCancellationRequested)
        {
            throw new DependencyUnavailableException(dependency, new TimeoutException($"No answer from {dependency} within the deadline.", ex));
        }
        finally
        {
            Disarm();
        }
    }

    private CancellationToken Arm(TimeSpan timeout)
    {
        if (_cts.IsCancellationRequested && !_requestAborted.IsCancellationRequested)
        {
            // The previous deadline fired just as its call completed: start over with a fresh source.
            _cts.Dispose();
            _cts = CancellationTokenSource.CreateLinkedTokenSource(_requestAborted);
        }

        _cts.CancelAfter(timeout);
        return _cts.Token;
    }

    private void Disarm()
    {
        if (!_cts.IsCancellationRequested)
        {
            _cts.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _cts.Dispose();
}
