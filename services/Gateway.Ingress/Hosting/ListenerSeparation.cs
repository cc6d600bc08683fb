using Gateway.Ingress.Errors;

namespace Gateway.Ingress.Hosting;

/// <summary>
/// Admin routes (<c>/admin/**</c>) answer only on the admin listener and every other route only on the public
/// listener; anything else is a 404, so the admin API cannot be reached through the public port even by a client
/// that forges a Host header. Unknown URLs on the public listener get an OpenAI-shaped 404.
/// </summary>
internal static class ListenerSeparation
{
    public static IApplicationBuilder UseListenerSeparation(this IApplicationBuilder app)
    {
        var listeners = app.ApplicationServices.GetRequiredService<IngressListeners>();
        return app.Use((context, next) =>
        {
            var listener = listeners.Classify(context.Connection.LocalPort);
            var adminPath = context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase);
            var allowed = adminPath ? listener == Listener.Admin : listener == Listener.Public;
            if (!allowed)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }

    /// <summary>After routing: an OpenAI-shaped 404 for URLs no endpoint matched.</summary>
    public static IApplicationBuilder UseUnknownUrlEnvelope(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is null)
            {
                // An Anthropic client (it always sends anthropic-version) gets Anthropic's envelope.
                var format = context.Request.Headers.ContainsKey("anthropic-version") ? ErrorFormat.Anthropic : ErrorFormat.OpenAi;
                await ErrorResponses.TryWriteAsync(context.Response,
                    ApiErrors.UnknownUrl(context.Request.Method, context.Request.Path.Value ?? "/"), format, context.RequestAborted);
                return;
            }

            await next(context);
        });
}
