import Crypto
import Foundation

/// Standard Webhooks signing (https://www.standardwebhooks.com): secrets are `whsec_` and the
/// base64 of random bytes; a signature is `v1,` and the base64 HMAC-SHA256, keyed with the
/// secret's decoded bytes, of `"<webhook-id>.<webhook-timestamp>.<body>"`.
public enum WebhookSignature {
    /// A new secret: `whsec_` and the base64 of 32 random bytes.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// `v1,<signature>` of one message with one secret; nil when the secret is not `whsec_`
    /// and base64.
    public static func sign(id: String, timestamp: Int64, body: Data, secret: String) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))), !key.isEmpty else { return nil }
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret, separated by spaces.
    public static func header(id: String, timestamp: Int64, body: Data, secrets: [String]) -> String {
        secrets.compactMap { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }
}
