import Foundation

/// Parsers for the error bodies of each provider family, feeding `ProviderError`.
package enum ErrorBodies {
    /// Google RPC shape (Gemini, Cloud TTS): `{"error":{"code","message","status","details"}}`,
    /// with `RetryInfo.retryDelay` and `ErrorInfo.reason`.
    package static func google(_ response: HTTPResponse) -> ErrorBodyDetails {
        guard let error = JSONValue.decode(response.body)?["error"] else { return plain(response) }
        var code = error["status"]?.stringValue
        var retryAfter: Duration?
        for detail in error["details"]?.arrayValue ?? [] {
            let type = detail["@type"]?.stringValue ?? ""
            if type.hasSuffix("google.rpc.RetryInfo") { retryAfter = RetryPolicy.parseProtobufDuration(detail["retryDelay"]?.stringValue) }
            if type.hasSuffix("google.rpc.ErrorInfo"), let reason = detail["reason"]?.stringValue { code = (code.map { $0 + "/" } ?? "") + reason }
        }
        return ErrorBodyDetails(code: code, message: error["message"]?.stringValue, retryAfter: retryAfter)
    }

    /// RFC 7807 problem details (Rev.ai): `type`, `title`, `detail`, plus `parameters`.
    package static func problem(_ response: HTTPResponse) -> ErrorBodyDetails {
        guard let body = JSONValue.decode(response.body), case .object = body else { return plain(response) }
        let type = body["type"]?.stringValue.map { String($0.split(separator: "/").last ?? "") }
        var message = [body["title"]?.stringValue, body["detail"]?.stringValue, body["error"]?.stringValue]
            .compactMap { $0 }.joined(separator: ": ")
        if case .object(let parameters) = body["parameters"] ?? body["parameter"] ?? .null {
            let fields = parameters.keys.sorted().map { key in
                "\(key): " + (parameters[key]?.arrayValue?.compactMap(\.stringValue).joined(separator: "; ") ?? "")
            }
            message += " (" + fields.joined(separator: ", ") + ")"
        }
        if let current = body["current_value"]?.stringValue { message += " [current: \(current)]" }
        return ErrorBodyDetails(code: type, message: message.isEmpty ? nil : message)
    }

    /// OpenAI shape: `{"error":{"message","type","param","code"}}`.
    package static func openAI(_ response: HTTPResponse) -> ErrorBodyDetails {
        guard let error = JSONValue.decode(response.body)?["error"] else { return plain(response) }
        return ErrorBodyDetails(code: error["code"]?.stringValue ?? error["type"]?.stringValue, message: error["message"]?.stringValue)
    }

    /// Anything else: the first line of a short text body.
    package static func plain(_ response: HTTPResponse) -> ErrorBodyDetails {
        let text = response.text.split(separator: "\n").first.map(String.init)
        return ErrorBodyDetails(message: text.flatMap { $0.isEmpty || $0.count > 500 ? nil : $0 })
    }
}
