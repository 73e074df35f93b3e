import Crypto
import Foundation

/// Standard Webhooks signing and verification (https://www.standardwebhooks.com), for outbound
/// deliveries and inbound hooks alike: secrets are `whsec_` and the base64 of random bytes; a
/// signature is `v1,` and the base64 HMAC-SHA256, keyed with the secret's decoded bytes, of
/// `"<webhook-id>.<webhook-timestamp>.<body>"`; `webhook-signature` holds one or more
/// space-separated signatures (any valid one passes); the timestamp (Unix seconds) must be
/// within five minutes of now, either way.
public enum WebhookSignature {
    public static let tolerance: TimeInterval = 5 * 60
    static let secretPrefix = "whsec_"

    /// Why a received message was refused (none of these texts includes the secret).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A new secret: `whsec_` and the base64 of 32 random bytes.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return secretPrefix + Data(bytes).base64EncodedString()
    }

    /// The key bytes of a `whsec_…` secret (the prefix is optional, as the spec's libraries allow).
    static func key(_ secret: String) -> SymmetricKey? {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// `v1,<signature>` of one message with one secret; nil when the secret is not base64.
    public static func sign(id: String, timestamp: Int64, body: Data, secret: String) -> String? {
        guard let key = key(secret) else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: signedContent(id: id, timestamp: timestamp, body: body), using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret, separated by spaces.
    public static func header(id: String, timestamp: Int64, body: Data, secrets: [String]) -> String {
        secrets.compactMap { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// Checks a received message. - Throws: `Failure` for a missing header, a timestamp out of
    /// tolerance, or no valid `v1` signature.
    public static func verify(id: String?, timestamp: String?, signature: String?, body: Data, secret: String,
                              now: Date = Date()) throws {
        guard let id, !id.isEmpty, let timestamp, let signature else {
            throw Failure(description: "the webhook-id, webhook-timestamp and webhook-signature headers are required")
        }
        guard let seconds = Int64(timestamp) else { throw Failure(description: "webhook-timestamp must be Unix seconds") }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else {
            throw Failure(description: "webhook-timestamp is more than 5 minutes from the server's time")
        }
        guard let key = key(secret) else { throw Failure(description: "the hook's secret is not usable") }
        let content = signedContent(id: id, timestamp: seconds, body: body)
        for entry in signature.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let mac = Data(base64Encoded: String(parts[1])) else { continue }
            // Constant-time comparison (swift-crypto).
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: content, using: key) { return }
        }
        throw Failure(description: "no valid v1 signature in webhook-signature")
    }

    private static func signedContent(id: String, timestamp: Int64, body: Data) -> Data {
        Data("\(id).\(timestamp).".utf8) + body
    }
}
