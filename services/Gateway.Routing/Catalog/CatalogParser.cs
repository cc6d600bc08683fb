using System.Text.Json;
using Gateway.Routing.V1;
using Route = Gateway.Routing.V1.Route;

namespace Gateway.Routing.Catalog;

/// <summary>A catalog file that cannot be used; the message names every offending entry.</summary>
internal sealed class CatalogException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads and validates a catalog file. Structural errors (bad JSON, unknown fields, a model pointing at an
/// undefined provider, duplicate ids or aliases, bad prices, bad URLs) fail the whole load. Entries whose
/// configuration is merely absent from this environment (an unset key or placeholder variable) are disabled
/// instead: defined, validated, reported in <see cref="ModelCatalog.Disabled"/>, not served.
/// </summary>
internal static class CatalogParser
{
    public const int MaxIdLength = 128;

    public static ModelCatalog Parse(ReadOnlySpan<byte> json, Func<string, string?> lookup)
    {
        CatalogDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, CatalogJsonContext.Default.CatalogDocument);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is null ? "" : $" at {ex.Path} (line {ex.LineNumber + 1})";
            throw new CatalogException($"The catalog is not valid{where}: {ex.Message}", ex);
        }

        if (document is null)
        {
            throw new CatalogException("The catalog is not valid: the document is null.");
        }

        var errors = new List<string>();
        var disabled = new List<DisabledEntry>();
        var providers = ParseProviders(document.Providers, lookup, errors, disabled);
        var entries = ParseModels(document.Models, providers, lookup, errors, disabled);
        if (errors.Count > 0)
        {
            throw new CatalogException("The catalog is not valid:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors));
        }

        return new ModelCatalog(entries, disabled);
    }

    /// <summary>A defined provider: served (<see cref="Provider"/> set), disabled, or invalid (its errors reported).</summary>
    private readonly record struct ProviderSlot(Provider? Provider, bool Invalid);

    /// <summary>Every defined provider by id.</summary>
    private static Dictionary<string, ProviderSlot> ParseProviders(
        List<ProviderDocument>? documents, Func<string, string?> lookup, List<string> errors, List<DisabledEntry> disabled)
    {
        var providers = new Dictionary<string, ProviderSlot>(StringComparer.Ordinal);
        if (documents is null)
        {
            errors.Add("\"providers\" is missing.");
            return providers;
        }

        for (var i = 0; i < documents.Count; i++)
        {
            var p = documents[i];
            var where = p?.Id is { Length: > 0 } id ? $"providers[{i}] (\"{id}\")" : $"providers[{i}]";
            if (p is null)
            {
                errors.Add($"{where}: is null.");
                continue;
            }

            var before = errors.Count;
            if (!IsValidId(p.Id))
            {
                errors.Add($"{where}: \"id\" must be 1-{MaxIdLength} printable characters without spaces.");
            }
            else if (providers.ContainsKey(p.Id!))
            {
                errors.Add($"{where}: the id is already used by an earlier provider.");
            }

            var wire = p.Wire switch
            {
                "openai-chat" => WireKind.OpenaiChat,
                "anthropic-messages" => WireKind.AnthropicMessages,
                "openai-responses" => WireKind.OpenaiResponses,
                _ => WireKind.Unspecified,
            };
            if (wire == WireKind.Unspecified)
            {
                errors.Add($"{where}: \"wire\" must be \"openai-chat\", \"anthropic-messages\" or \"openai-responses\".");
            }

            if (p.ApiKeyEnv is not null && !Placeholders.IsVariableName(p.ApiKeyEnv))
            {
                errors.Add($"{where}: \"apiKeyEnv\" must be an environment variable name.");
            }

            string? baseUrl = null;
            string? disabledBecause = null;
            if (string.IsNullOrWhiteSpace(p.BaseUrl))
            {
                errors.Add($"{where}: \"baseUrl\" is missing.");
            }
            else
            {
                var expansion = Placeholders.Expand(p.BaseUrl, lookup);
                if (expansion.Error is not null)
                {
                    errors.Add($"{where}: \"baseUrl\" {expansion.Error}.");
                }
                else if (expansion.MissingVariable is not null)
                {
                    disabledBecause = $"{expansion.MissingVariable} is not set";
                }
                else if (!Uri.TryCreate(expansion.Value, UriKind.Absolute, out var uri)
                    || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                    || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                {
                    // The expanded value may carry configuration; name only the template.
                    errors.Add($"{where}: \"baseUrl\" ({p.BaseUrl}) must be an absolute http:// or https:// URL without query or fragment.");
                }
                else
                {
                    baseUrl = NormalizeBaseUrl(uri);
                }
            }

            if (errors.Count > before)
            {
                // Reported above; models naming it are not reported again as naming an unknown provider.
                providers.TryAdd(p.Id ?? "", new ProviderSlot(null, Invalid: true));
                continue;
            }

            var apiKey = "";
            if (p.ApiKeyEnv is not null)
            {
                apiKey = lookup(p.ApiKeyEnv) ?? "";
                if (apiKey.Length == 0 && !p.ApiKeyOptional)
                {
                    disabledBecause ??= $"{p.ApiKeyEnv} is not set";
                }
            }

            if (disabledBecause is not null)
            {
                disabled.Add(new DisabledEntry("provider", p.Id!, disabledBecause));
                providers[p.Id!] = new ProviderSlot(null, Invalid: false);
                continue;
            }

            providers[p.Id!] = new ProviderSlot(new Provider { Id = p.Id, Wire = wire, BaseUrl = baseUrl, ApiKey = apiKey }, Invalid: false);
        }

        return providers;
    }

    private static List<CatalogEntry> ParseModels(
        List<ModelDocument>? documents,
        Dictionary<string, ProviderSlot> providers,
        Func<string, string?> lookup,
        List<string> errors,
        List<DisabledEntry> disabled)
    {
        var entries = new List<CatalogEntry>();
        if (documents is null)
        {
            errors.Add("\"models\" is missing.");
            return entries;
        }

        // Every id and alias of every defined model (served or not) is one namespace, so enabling a provider can
        // never change what an existing name means.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var m = documents[i];
            var where = m?.Id is { Length: > 0 } id ? $"models[{i}] (\"{id}\")" : $"models[{i}]";
            if (m is null)
            {
                errors.Add($"{where}: is null.");
                continue;
            }

            var before = errors.Count;
            if (!IsValidId(m.Id))
            {
                errors.Add($"{where}: \"id\" must be 1-{MaxIdLength} printable characters without spaces.");
            }
            else if (!names.TryAdd(m.Id!, where))
            {
                errors.Add($"{where}: the id is already used by {names[m.Id!]}.");
            }

            var aliases = m.Aliases ?? [];
            foreach (var alias in aliases)
            {
                if (!IsValidId(alias))
                {
                    errors.Add($"{where}: alias \"{alias}\" must be 1-{MaxIdLength} printable characters without spaces.");
                }
                else if (!names.TryAdd(alias, where))
                {
                    errors.Add($"{where}: alias \"{alias}\" is already used by {names[alias]}.");
                }
            }

            Provider? provider = null;
            var providerDisabled = false;
            var providerInvalid = false;
            if (string.IsNullOrEmpty(m.Provider))
            {
                errors.Add($"{where}: \"provider\" is missing.");
            }
            else if (!providers.TryGetValue(m.Provider, out var slot))
            {
                errors.Add($"{where}: provider \"{m.Provider}\" is not defined.");
            }
            else
            {
                provider = slot.Provider;
                providerInvalid = slot.Invalid;
                providerDisabled = slot.Provider is null && !slot.Invalid;
            }

            var pricing = new Pricing();
            if (m.Pricing is { } prices)
            {
                pricing.InputPerMtokMicros = Price(prices.InputPerMTok, "inputPerMTok");
                pricing.OutputPerMtokMicros = Price(prices.OutputPerMTok, "outputPerMTok");
                pricing.CachedInputPerMtokMicros = Price(prices.CachedInputPerMTok, "cachedInputPerMTok");
                pricing.CacheWritePerMtokMicros = Price(prices.CacheWritePerMTok, "cacheWritePerMTok");
            }

            var capabilities = ParseCapabilities(m.Capabilities, where, errors);

            if (m.Created < 0)
            {
                errors.Add($"{where}: \"created\" must not be negative.");
            }

            string? upstreamModel = m.Id;
            string? missingVariable = null;
            if (m.UpstreamModel is not null)
            {
                var expansion = Placeholders.Expand(m.UpstreamModel, lookup);
                if (expansion.Error is not null)
                {
                    errors.Add($"{where}: \"upstreamModel\" {expansion.Error}.");
                }
                else if (expansion.MissingVariable is not null)
                {
                    missingVariable = expansion.MissingVariable;
                }
                else if (!IsValidId(expansion.Value))
                {
                    errors.Add($"{where}: \"upstreamModel\" must be 1-{MaxIdLength} printable characters without spaces.");
                }
                else
                {
                    upstreamModel = expansion.Value;
                }
            }

            if (errors.Count > before || providerInvalid || provider is null && !providerDisabled)
            {
                continue;
            }

            if (providerDisabled)
            {
                disabled.Add(new DisabledEntry("model", m.Id!, $"provider \"{m.Provider}\" is disabled"));
                continue;
            }

            if (missingVariable is not null)
            {
                disabled.Add(new DisabledEntry("model", m.Id!, $"{missingVariable} is not set"));
                continue;
            }

            var info = new ModelInfo
            {
                Id = m.Id,
                OwnedBy = string.IsNullOrEmpty(m.OwnedBy) ? provider!.Id : m.OwnedBy,
                CreatedUnix = m.Created,
                Wire = provider!.Wire,
                Capabilities = capabilities,
            };
            info.Aliases.AddRange(aliases);
            var route = new Route
            {
                Model = m.Id, UpstreamModel = upstreamModel, Provider = provider, Pricing = pricing, Capabilities = capabilities,
            };
            entries.Add(new CatalogEntry { Info = info, Route = route });

            long Price(decimal value, string field)
            {
                if (Prices.TryToMicros(value, out var micros, out var error))
                {
                    return micros;
                }

                errors.Add($"{where}: \"pricing.{field}\" {error}.");
                return 0;
            }
        }

        return entries;
    }

    /// <summary>The capabilities a model lists, or when it lists none (the field is absent) a chat model's default:
    /// chat, tools, vision, json. An empty list, an unknown name or a repeated one is an error.</summary>
    internal static Capabilities ParseCapabilities(List<string>? names, string where, List<string> errors)
    {
        if (names is null)
        {
            return new Capabilities { Chat = true, Tools = true, Vision = true, Json = true };
        }

        var capabilities = new Capabilities();
        if (names.Count == 0)
        {
            errors.Add($"{where}: \"capabilities\" must name at least one of {KnownCapabilities}; leave it out for the default (chat, tools, vision, json).");
            return capabilities;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!seen.Add(name ?? ""))
            {
                errors.Add($"{where}: capability \"{name}\" is listed twice.");
                continue;
            }

            switch (name)
            {
                case "chat":
                    capabilities.Chat = true;
                    break;
                case "tools":
                    capabilities.Tools = true;
                    break;
                case "vision":
                    capabilities.Vision = true;
                    break;
                case "json":
                    capabilities.Json = true;
                    break;
                case "embeddings":
                    capabilities.Embeddings = true;
                    break;
                case "images":
                    capabilities.Images = true;
                    break;
                default:
                    errors.Add($"{where}: capability \"{name}\" is unknown; use {KnownCapabilities}.");
                    break;
            }
        }

        if ((capabilities.Tools || capabilities.Vision || capabilities.Json) && !capabilities.Chat)
        {
            errors.Add($"{where}: \"tools\", \"vision\" and \"json\" need \"chat\" in \"capabilities\".");
        }

        return capabilities;
    }

    private const string KnownCapabilities = "\"chat\", \"tools\", \"vision\", \"json\", \"embeddings\", \"images\"";

    /// <summary>
    /// Scheme, authority and path without a trailing slash, and with runs of slashes in the path collapsed, so
    /// "${SIMULATOR_BASE_URL}/v1" means the same whether or not the variable ends with '/'.
    /// </summary>
    private static string NormalizeBaseUrl(Uri uri)
    {
        var path = uri.AbsolutePath;
        var collapsed = new System.Text.StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c != '/' || collapsed.Length == 0 || collapsed[^1] != '/')
            {
                collapsed.Append(c);
            }
        }

        return uri.GetLeftPart(UriPartial.Authority) + collapsed.ToString().TrimEnd('/');
    }

    private static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
