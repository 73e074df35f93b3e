import Basics
import Crypto
import Foundation
import Hummingbird
import Pipeline
import Synchronization

/// Who is calling: the tenant of the API key (or the local tenant under `--no-auth`).
struct Principal: Sendable {
    let tenant: String
    let readOnly: Bool
    /// The key's id (rate limits are per key); `local` under `--no-auth`.
    let keyID: String
}

/// The request context of the API: Hummingbird's, plus the caller once authenticated.
struct APIContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var principal: Principal?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// JSON bodies; uploads stream and are limited by the service's upload limit instead.
    var maxUploadSize: Int { 1 << 20 }
}

/// API keys: `mpk_` and 32 random bytes in base64url. Only their SHA-256 is stored.
public enum APIKeys {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "mpk_" + Data(bytes).base64URLEncoded
    }

    public static func hash(_ key: String) -> String {
        sha256Hex(Data(key.utf8))
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}

/// Keys found valid in the last `ttl`, by hash: a POST costs one database round trip fewer. A key
/// revoked (by `runner keys revoke`, from any process) is refused within `ttl`; unknown keys
/// are never remembered, so a new key works at once.
final class KeyCache: Sendable {
    private struct Entry {
        let record: APIKeyRecord
        let until: ContinuousClock.Instant
    }
    static let ttl = Duration.seconds(2)
    private let entries = Mutex<[String: Entry]>([:])

    func record(_ hash: String) -> APIKeyRecord? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard entry.until > now else {
                entries[hash] = nil
                return nil
            }
            return entry.record
        }
    }

    func remember(_ record: APIKeyRecord, for hash: String) {
        let until = ContinuousClock.now + Self.ttl
        entries.withLock { entries in
            if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[hash] = Entry(record: record, until: until)
        }
    }
}

/// A token bucket per API key: `rate` requests a second on average, bursts up to `burst`.
/// Past that a request is answered 429 with `Retry-After`.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Takes a token for `key`. - Returns: nil when allowed, else the seconds until one is free.
    func take(_ key: String) -> Int? {
        guard rate > 0 else { return nil }
        let now = ContinuousClock.now
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = Double((now - bucket.updated).components.attoseconds) / 1e18 + Double((now - bucket.updated).components.seconds)
            bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }
}
