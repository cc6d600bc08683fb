using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Gateway.AppHost;

/// <summary>An API key created through the admin API. <see cref="ApiKey"/> is the secret: never log it.</summary>
public sealed record CreatedApiKey(string KeyId, string ApiKey, string TenantId, JsonElement Raw);

/// <summary>The admin API answered with an unexpected status or body.</summary>
public sealed class GatewayAdminException(string message, HttpStatusCode? statusCode = null) : Exception(message)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;
}

/// <summary>
/// Client of the Ingress admin listener (bearer admin token): <c>POST /admin/keys</c> creates a key,
/// <c>GET /admin/keys/{keyId}/usage</c> reads its usage. Used by the AppHost for the demo key and by the test fixtures.
/// </summary>
public sealed class GatewayAdminClient : IDisposable
{
    private readonly HttpClient _http;

    public GatewayAdminClient(Uri adminBaseAddress, string adminToken)
    {
        ArgumentNullException.ThrowIfNull(adminBaseAddress);
        ArgumentException.ThrowIfNullOrEmpty(adminToken);
        _http = new HttpClient { BaseAddress = adminBaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
    }

    /// <summary>Creates a key for <paramref name="tenantId"/>; <paramref name="rpmLimit"/> null keeps the Quota default.</summary>
    public async Task<CreatedApiKey> CreateKeyAsync(string tenantId, string name, int? rpmLimit = null, CancellationToken cancellationToken = default)
    {
        using var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("tenantId", tenantId);
            writer.WriteString("name", name);
            if (rpmLimit is { } rpm)
            {
                writer.WriteNumber("rpmLimit", rpm);
            }

            writer.WriteEndObject();
        }

        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync("admin/keys", content, cancellationToken).ConfigureAwait(false);
        var json = await ReadJsonAsync(response, "POST /admin/keys", cancellationToken).ConfigureAwait(false);
        var apiKey = GetString(json, "apiKey")
            ?? throw new GatewayAdminException("POST /admin/keys answered without 'apiKey'.", response.StatusCode);
        // The reply is {"key": {"keyId", "tenantId", ...}, "apiKey": "..."}.
        var key = json.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.Object ? k : default;
        var keyId = GetString(key, "keyId")
            ?? throw new GatewayAdminException("POST /admin/keys answered without 'key.keyId'.", response.StatusCode);
        return new CreatedApiKey(keyId, apiKey, GetString(key, "tenantId") ?? tenantId, json);
    }

    /// <summary>The usage document of a key, as the admin API returns it.</summary>
    public async Task<JsonElement> GetUsageAsync(string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        using var response = await _http.GetAsync($"admin/keys/{Uri.EscapeDataString(keyId)}/usage", cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, "GET /admin/keys/{id}/usage", cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new GatewayAdminException(
                $"{what} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(text)}", response.StatusCode);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new GatewayAdminException($"{what} answered with something that is not JSON: {ex.Message}", response.StatusCode);
        }
    }

    private static string? GetString(JsonElement json, string property) =>
        json.ValueKind == JsonValueKind.Object
        && json.TryGetProperty(property, out var value)
        && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? value.ToString()
            : null;

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
