using System.Text.Json.Serialization;

namespace Gateway.Auth.Keys;

/// <summary>The allowed-models list is stored as a JSON array in the key's hash.</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
