import Foundation

/// Where an S3-compatible service lives and how buckets are addressed (reference §5.1).
package struct S3Endpoint: Sendable, Equatable, CustomStringConvertible {
    package enum Addressing: Sendable, Equatable {
        /// `https://endpoint/BUCKET/KEY`: the default for custom endpoints (MinIO, moto, Ceph).
        case path
        /// `https://BUCKET.endpoint/KEY`: the AWS default.
        case virtualHosted
    }

    package var scheme: String
    package var host: String
    /// Nil when the URL had none (the scheme's default port).
    package var port: Int?
    package var addressing: Addressing

    package init(scheme: String, host: String, port: Int? = nil, addressing: Addressing) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.addressing = addressing
    }

    /// Parses `scheme://host[:port]` (a path is ignored). Path-style unless `addressing` says
    /// otherwise: custom endpoints are addressed by path by default.
    /// - Throws: `StorageError.invalidConfiguration` for anything else.
    package init(url: String, addressing: Addressing = .path) throws {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parts.host, !host.isEmpty
        else { throw StorageError.invalidConfiguration("endpoint must be http(s)://host[:port], got \(url)") }
        self.init(scheme: scheme, host: host, port: parts.port, addressing: addressing)
    }

    /// The AWS endpoint of `region`, virtual-hosted unless `pathStyle`.
    package static func aws(region: String, pathStyle: Bool = false) -> S3Endpoint {
        S3Endpoint(scheme: "https", host: "s3.\(region).amazonaws.com", addressing: pathStyle ? .path : .virtualHosted)
    }

    /// What a request for `key` in `bucket` goes to: the `Host` header (signed), the encoded path
    /// (also the canonical URI) and the URL up to, not including, the query.
    package struct Target: Sendable, Equatable {
        package var hostHeader: String
        package var canonicalURI: String
        package var url: String
    }

    /// The target of `key` (empty for bucket-level operations such as ListParts' siblings).
    package func target(bucket: String, key: String) -> Target {
        // Bucket names with dots break TLS wildcard certificates: address them by path.
        let virtual = addressing == .virtualHosted && !bucket.contains(".")
        let baseHost = host.contains(":") ? "[\(host)]" : host
        let hostName = virtual ? "\(bucket).\(baseHost)" : baseHost
        let defaultPort = scheme == "https" ? 443 : 80
        let hostHeader = port.map { $0 == defaultPort ? hostName : "\(hostName):\($0)" } ?? hostName
        let path: String
        if virtual {
            path = "/" + key
        } else {
            path = key.isEmpty ? "/\(bucket)" : "/\(bucket)/\(key)"
        }
        let canonical = AWSURIEncoding.s3CanonicalURI(path)
        return Target(hostHeader: hostHeader, canonicalURI: canonical, url: "\(scheme)://\(hostHeader)\(canonical)")
    }

    package var description: String {
        "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "") (\(addressing == .path ? "path-style" : "virtual-hosted"))"
    }
}

/// An `s3://BUCKET/PREFIX` location.
package struct S3Location: Sendable, Equatable, CustomStringConvertible {
    package var bucket: String
    /// Without a leading slash; empty or ending in `/` when it names a folder.
    package var prefix: String

    package init(bucket: String, prefix: String = "") {
        self.bucket = bucket
        self.prefix = prefix
    }

    /// Parses `s3://bucket[/prefix]`; nil when `text` is not an s3 URI.
    /// - Throws: `StorageError.invalidConfiguration` for an s3 URI without a valid bucket.
    package init?(parsing text: String) throws {
        guard text.hasPrefix("s3://") else { return nil }
        let rest = text.dropFirst(5)
        let bucket = String(rest.prefix { $0 != "/" })
        guard bucket.count >= 3, bucket.count <= 63,
            bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }), bucket.allSatisfy(\.isASCII)
        else { throw StorageError.invalidConfiguration("invalid bucket name in \(text)") }
        self.bucket = bucket
        self.prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
    }

    package var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }
}
