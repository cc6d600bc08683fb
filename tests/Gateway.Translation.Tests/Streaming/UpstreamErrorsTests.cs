namespace Gateway.Translation.Tests.Streaming;

public sealed class UpstreamErrorsTests
{
    [Theory]
    [InlineData(Wire.OpenAiChat, 429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}", "rate_limit_error", "rate_limit_exceeded", "Rate limit reached")]
    [InlineData(Wire.OpenAiChat, 401, "{\"error\":{\"message\":\"Incorrect API key\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}", "authentication_error", "invalid_api_key", "Incorrect API key")]
    [InlineData(Wire.OpenAiResponses, 400, "{\"error\":{\"message\":\"bad input\",\"type\":\"invalid_request_error\",\"param\":\"input\",\"code\":null}}", "invalid_request_error", "invalid_request_error", "bad input")]
    [InlineData(Wire.OpenAiChat, 500, "{\"error\":{\"message\":\"oops\",\"type\":\"server_error\",\"param\":null,\"code\":null}}", "api_error", "server_error", "oops")]
    [InlineData(Wire.AnthropicMessages, 529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}", "overloaded_error", "overloaded_error", "Overloaded")]
    [InlineData(Wire.AnthropicMessages, 402, "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"no credit\"}}", "permission_error", "billing_error", "no credit")]
    [InlineData(Wire.AnthropicMessages, 413, "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":\"too big\"},\"request_id\":\"req_1\"}", "invalid_request_error", "request_too_large", "too big")]
    [InlineData(Wire.AnthropicMessages, 404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"model: x\"}}", "not_found_error", "not_found_error", "model: x")]
    public void TryRead_ProviderEnvelope_TypeMappedToOpenAiVocabulary(Wire wire, int status, string body, string type, string code, string message)
    {
        Assert.True(UpstreamErrors.TryRead(wire, status, System.Text.Encoding.UTF8.GetBytes(body), out var error));
        Assert.Equal(status, error.Status);
        Assert.Equal(type, error.Type);
        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>502</html>")]
    [InlineData("{\"message\":\"no envelope\"}")]
    [InlineData("[1,2]")]
    [InlineData("{\"error\":")]
    public void TryRead_NotAnEnvelope_False(string body) =>
        Assert.False(UpstreamErrors.TryRead(Wire.OpenAiChat, 502, System.Text.Encoding.UTF8.GetBytes(body), out _));

    [Fact]
    public void TryRead_OpenAiParam_Kept()
    {
        Assert.True(UpstreamErrors.TryRead(Wire.OpenAiChat, 400, "{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\",\"param\":\"messages[0]\",\"code\":null}}"u8, out var e));
        Assert.Equal("messages[0]", e.Param);
    }

    [Theory]
    [InlineData("rate_limit_error", "rate_limit_exceeded", "rate_limit_error")]
    [InlineData("permission_error", "billing_error", "billing_error")]
    [InlineData("api_error", "server_error", "api_error")]
    [InlineData("insufficient_quota", "insufficient_quota", "api_error")]
    public void ToAnthropicType_GatewayError_AnthropicVocabulary(string type, string code, string expected) =>
        Assert.Equal(expected, UpstreamErrors.ToAnthropicType(new TranslationError(400, type, code, "m")));
}
