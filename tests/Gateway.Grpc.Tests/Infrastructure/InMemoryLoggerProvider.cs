using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gateway.Grpc.Tests.Infrastructure;

/// <summary>Keeps log entries (warning and above, plus exceptions) so tests can assert what the server logged.</summary>
public sealed class InMemoryLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(InMemoryLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Entries.Enqueue((logLevel, formatter(state, exception), exception));
            }
        }
    }
}
