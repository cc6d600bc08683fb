namespace Gateway.Grpc.Protocol;

/// <summary>Names and constants from https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ContentTypeProto = "application/grpc+proto";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string IdentityEncoding = "identity";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string UserAgent = "gateway-grpc-dotnet/1.0";

    /// <summary>The compressed flag (1 byte) and the big-endian message length (4 bytes).</summary>
    public const int FrameHeaderSize = 5;

    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// True for application/grpc and application/grpc+proto (with or without parameters). Other subtypes
    /// (+json, ...) are gRPC but not protobuf, which this layer does not speak.
    /// </summary>
    public static bool IsProtobufGrpcContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        if (semicolon >= 0)
        {
            span = span[..semicolon];
        }

        span = span.Trim();
        return span.Equals(ContentType, StringComparison.OrdinalIgnoreCase)
            || span.Equals(ContentTypeProto, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for any content type that starts with application/grpc (what a gRPC client must accept).</summary>
    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');

    public static string StatusCodeText(StatusCode code) => code switch
    {
        StatusCode.OK => "0",
        StatusCode.Cancelled => "1",
        StatusCode.Unknown => "2",
        StatusCode.InvalidArgument => "3",
        StatusCode.DeadlineExceeded => "4",
        StatusCode.NotFound => "5",
        StatusCode.AlreadyExists => "6",
        StatusCode.PermissionDenied => "7",
        StatusCode.ResourceExhausted => "8",
        StatusCode.FailedPrecondition => "9",
        StatusCode.Aborted => "10",
        StatusCode.OutOfRange => "11",
        StatusCode.Unimplemented => "12",
        StatusCode.Internal => "13",
        StatusCode.Unavailable => "14",
        StatusCode.DataLoss => "15",
        StatusCode.Unauthenticated => "16",
        _ => ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Parses grpc-status. Unknown numeric codes map to UNKNOWN (as the spec's status code doc asks); a value
    /// that is not a number fails.
    /// </summary>
    public static bool TryParseStatusCode(string? value, out StatusCode code)
    {
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            code = number is >= 0 and <= 16 ? (StatusCode)number : StatusCode.Unknown;
            return true;
        }

        code = StatusCode.Unknown;
        return false;
    }

    /// <summary>The spec's mapping for a response whose HTTP status is not 200 (http-grpc-status-mapping.md).</summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>The spec's mapping of an HTTP/2 RST_STREAM error code to a status.</summary>
    public static StatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable, // REFUSED_STREAM: the call was not processed, safe to retry
        0x8 => StatusCode.Cancelled, // CANCEL
        0xB => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
        _ => StatusCode.Internal, // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ...
    };
}
