import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which URLs a request on a user's behalf may reach (SSRF protection): `http` or `https` only,
/// no user-info, and a host whose every address is public, unless the host is on the operator's
/// allow-list (`WEBHOOK_ALLOW_HOSTS=127.0.0.1,localhost`). Checked when a URL is accepted and
/// again before each request (DNS answers change); `OutboundTarget.pinnedAddresses` makes curl
/// connect to the addresses that were checked.
package struct OutboundURLPolicy: Sendable {
    /// Host names and address literals allowed whatever they resolve to (lower case).
    package var allowedHosts: Set<String>
    /// How long name resolution may take.
    package var resolveTimeout: Duration = .seconds(10)

    package init(allowedHosts: [String] = []) {
        self.allowedHosts = Set(allowedHosts.map { Self.normalise($0) }.filter { !$0.isEmpty })
    }

    /// The policy of `WEBHOOK_ALLOW_HOSTS` (comma-separated host names or addresses).
    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> OutboundURLPolicy {
        OutboundURLPolicy(allowedHosts: (environment["WEBHOOK_ALLOW_HOSTS"] ?? "").split(separator: ",").map(String.init))
    }

    /// Parses, resolves and classifies `text`.
    /// - Throws: `OutboundURLError` naming the URL and why it is refused.
    package func check(_ text: String) async throws(OutboundURLError) -> OutboundTarget {
        let parsed = try Self.parse(text)
        if allowedHosts.contains(parsed.host) {
            return OutboundTarget(url: text, host: parsed.host, port: parsed.port, addresses: [])
        }
        if let literal = AddressClass.of(parsed.host) {
            guard literal == .public else { throw OutboundURLError(url: text, reason: "\(parsed.host) is \(literal.phrase)") }
            return OutboundTarget(url: text, host: parsed.host, port: parsed.port, addresses: [])
        }
        let addresses: [String]
        do {
            addresses = try await Self.resolve(parsed.host, timeout: resolveTimeout)
        } catch {
            throw OutboundURLError(url: text, reason: "\(parsed.host) does not resolve (\(error.reason))")
        }
        for address in addresses {
            let kind = AddressClass.of(address) ?? .reserved
            guard kind == .public else {
                throw OutboundURLError(url: text, reason: "\(parsed.host) resolves to \(address), \(kind.phrase)")
            }
        }
        return OutboundTarget(url: text, host: parsed.host, port: parsed.port, addresses: addresses)
    }

    /// The scheme, host and port of an acceptable URL (no resolution).
    /// - Throws: `OutboundURLError` for another scheme, user-info, or no host.
    package static func parse(_ text: String) throws(OutboundURLError) -> (host: String, port: Int) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw OutboundURLError(url: text, reason: "it is not an absolute URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw OutboundURLError(url: text, reason: "only http and https URLs are allowed")
        }
        guard components.user == nil, components.password == nil else {
            throw OutboundURLError(url: text, reason: "user names and passwords in URLs are not allowed")
        }
        guard let host = components.host.map(normalise), !host.isEmpty else {
            throw OutboundURLError(url: text, reason: "it has no host")
        }
        return (host, components.port ?? (scheme == "https" ? 443 : 80))
    }

    /// Lower case, without the brackets of an IPv6 literal or a trailing dot.
    static func normalise(_ host: String) -> String {
        var host = host.trimmingCharacters(in: .whitespaces).lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host = String(host.dropLast()) }
        return host
    }

    /// getaddrinfo on a thread of its own (it blocks), abandoned after `timeout`.
    static func resolve(_ host: String, timeout: Duration) async throws(OutboundURLError) -> [String] {
        let result: Result<[String], OutboundURLError> = await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            let thread = Thread {
                once.resume(Self.getaddrinfo(host))
            }
            thread.start()
            Task {
                try? await Task.sleep(for: timeout)
                once.resume(.failure(OutboundURLError(url: host, reason: "timed out after \(timeout)")))
            }
        }
        return try result.get()
    }

    private static func getaddrinfo(_ host: String) -> Result<[String], OutboundURLError> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = Glibc.getaddrinfo(host, nil, &hints, &list)
        guard rc == 0, let first = list else {
            return .failure(OutboundURLError(url: host, reason: String(cString: gai_strerror(rc))))
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let address = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(address) { addresses.append(address) }
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { return .failure(OutboundURLError(url: host, reason: "no address")) }
        return .success(addresses)
    }
}

/// Resumes a continuation once, whichever of the resolver and the timer comes first.
private final class ResumeOnce: @unchecked Sendable {
    // Invariant: `continuation` is read and cleared only under `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<[String], OutboundURLError>, Never>?
    init(_ continuation: CheckedContinuation<Result<[String], OutboundURLError>, Never>) { self.continuation = continuation }
    func resume(_ value: Result<[String], OutboundURLError>) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: value)
    }
}

/// A URL that passed the policy, with the addresses it was checked at.
package struct OutboundTarget: Sendable {
    package let url: String
    package let host: String
    package let port: Int
    /// Empty for address literals and allow-listed hosts (curl resolves those itself).
    package let addresses: [String]

    /// `CURLOPT_RESOLVE` entries (`HTTPRequest.pinnedAddresses`) for the checked addresses.
    package var pinnedAddresses: [String] {
        addresses.isEmpty ? [] : ["\(host):\(port):" + addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")]
    }
}

/// Why a URL is refused; its description names the URL and the reason.
package struct OutboundURLError: Error, Sendable, CustomStringConvertible {
    package let url: String
    package let reason: String
    package var description: String { "\(url) is not allowed: \(reason)" }
}

/// What an IP address is, for SSRF decisions. Only `public` addresses may be reached.
package enum AddressClass: String, Sendable {
    case `public`, loopback, linkLocal, `private`, sharedCGNAT, unspecified, multicast, metadata, reserved

    var phrase: String {
        switch self {
        case .public: "a public address"
        case .loopback: "a loopback address"
        case .linkLocal: "a link-local address"
        case .private: "a private address"
        case .sharedCGNAT: "a carrier-grade NAT address (100.64.0.0/10)"
        case .unspecified: "the unspecified address"
        case .multicast: "a multicast address"
        case .metadata: "a cloud metadata address"
        case .reserved: "a reserved address"
        }
    }

    /// The class of an IPv4 or IPv6 literal; nil when `text` is not an address.
    package static func of(_ text: String) -> AddressClass? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let value = UInt32(bigEndian: v4.s_addr)
            return ipv4([UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)])
        }
        var v6 = in6_addr()
        let bare = text.split(separator: "%").first.map(String.init) ?? text  // a zone id (fe80::1%eth0)
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            return ipv6(withUnsafeBytes(of: &v6) { Array($0) })
        }
        return nil
    }

    static func ipv4(_ b: [UInt8]) -> AddressClass {
        switch (b[0], b[1]) {
        case (169, 254) where b[2] == 169 && b[3] == 254: return .metadata
        case (100, 100) where b[2] == 100 && b[3] == 200: return .metadata  // Alibaba Cloud
        case (0, _): return .unspecified
        case (127, _): return .loopback
        case (10, _), (172, 16...31), (192, 168): return .private
        case (169, 254): return .linkLocal
        case (100, 64...127): return .sharedCGNAT
        case (192, 0) where b[2] == 0, (198, 18...19): return .reserved
        case (224...239, _): return .multicast
        case (240...255, _): return .reserved
        default: return .public
        }
    }

    static func ipv6(_ b: [UInt8]) -> AddressClass {
        if b.allSatisfy({ $0 == 0 }) { return .unspecified }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96):
        // the IPv4 address inside decides.
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)) {
            return ipv4(Array(b[12..<16]))
        }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..<12].allSatisfy({ $0 == 0 }) {
            return ipv4(Array(b[12..<16]))
        }
        if b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2 { return .metadata }  // AWS fd00:ec2::254
        if b[0] == 0xfe && (b[1] & 0xc0) == 0x80 { return .linkLocal }  // fe80::/10
        if b[0] == 0xfe && (b[1] & 0xc0) == 0xc0 { return .private }  // fec0::/10, deprecated site-local
        if (b[0] & 0xfe) == 0xfc { return .private }  // fc00::/7
        if b[0] == 0xff { return .multicast }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return .reserved }  // documentation
        return .public
    }
}
