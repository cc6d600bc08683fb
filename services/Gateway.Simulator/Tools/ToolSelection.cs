using System.Text.Json;
using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Tools;

internal enum ToolChoiceKind
{
    /// <summary>Absent or "auto": call the first tool when the last user message asks for a tool.</summary>
    Auto,
    /// <summary>"none": never call.</summary>
    None,
    /// <summary>OpenAI "required", Anthropic "any": call the first tool.</summary>
    Required,
    /// <summary>A named tool: call it.</summary>
    Forced,
}

internal readonly record struct ToolChoice(ToolChoiceKind Kind, string? Name = null);

/// <summary>A function tool offered by the request: its name and its parameter schema (null when absent).</summary>
internal readonly record struct OfferedTool(string Name, JsonElement? Schema);

/// <summary>What the request says about tools, whichever wire it came in on.</summary>
internal sealed class ToolRequest
{
    public List<OfferedTool> Tools { get; } = [];

    public ToolChoice Choice { get; set; }

    public bool ParallelAllowed { get; set; } = true;

    /// <summary>The last message (or input item) is a tool result: the answer is text, so a round trip ends.</summary>
    public bool LastIsToolResult { get; set; }

    /// <summary>The last user message contains the word "tool".</summary>
    public bool AsksForTool { get; set; }
}

/// <summary>Decides deterministically which tools the simulator calls and generates their arguments.</summary>
internal static class ToolSelection
{
    private const ulong ArgumentSalt = 0x746F6F6C61726773UL; // "toolargs"

    /// <summary>
    /// The calls for <paramref name="request"/>: none after a tool result or with <c>tool_choice</c> "none"; else the
    /// forced tool, else the directive's <c>tool=NAME</c>, else the first tool when the choice is required/any, the
    /// last user message asks for a tool or a <c>tools=N</c> directive is given. <c>tools=N</c> makes N calls when
    /// parallel calls are allowed.
    /// False (a 400) when a forced or directive tool is not offered.
    /// </summary>
    public static bool TryDecide(
        ToolRequest request, in PlanOverrides directive, ulong seed, Func<int, (string Id, string CallId)> newIds,
        out ToolCall[] calls, out string? error)
    {
        calls = [];
        error = null;
        var tools = request.Tools;
        int? forced = null;
        if (request.Choice.Kind == ToolChoiceKind.Forced)
        {
            forced = IndexOf(tools, request.Choice.Name);
            if (forced is null)
            {
                error = $"Invalid 'tool_choice': no function named '{request.Choice.Name}' is offered in 'tools'.";
                return false;
            }
        }

        int? named = null;
        if (directive.Tool is { } directiveTool)
        {
            named = IndexOf(tools, directiveTool);
            if (named is null)
            {
                error = $"Invalid simulator directive 'tool={directiveTool}': no such function tool is offered.";
                return false;
            }
        }

        if (tools.Count == 0 || request.LastIsToolResult || request.Choice.Kind == ToolChoiceKind.None)
        {
            return true;
        }

        // A tools=N directive asks for tool calls as plainly as the word "tool" does.
        var asked = request.Choice.Kind == ToolChoiceKind.Required || request.AsksForTool || directive.Tools is not null;
        var start = forced ?? named ?? (asked ? 0 : -1);
        if (start < 0)
        {
            return true;
        }

        var count = request.ParallelAllowed ? directive.Tools ?? 1 : 1;
        calls = new ToolCall[count];
        for (var i = 0; i < count; i++)
        {
            // A forced tool is called every time; otherwise the calls walk the tool list from the chosen one.
            var tool = tools[forced is null ? (start + i) % tools.Count : start];
            var arguments = directive.Args ?? SchemaInstance.Generate(tool.Schema, PromptDigest.Mix(seed ^ ArgumentSalt ^ (ulong)i));
            var (id, callId) = newIds(i);
            calls[i] = new ToolCall(id, callId, tool.Name, arguments);
        }

        return true;
    }

    private static int? IndexOf(List<OfferedTool> tools, string? name)
    {
        for (var i = 0; i < tools.Count; i++)
        {
            if (string.Equals(tools[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return null;
    }
}
