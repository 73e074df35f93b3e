import Basics
import Crypto
import Foundation

/// AWS Signature Version 4 in the `Authorization` header (reference §5.2).
///
/// The pure steps (canonical request, string to sign, signature) are separate so the official
/// test-suite vectors can check each one; `signS3` is what the S3 client calls.
package struct SigV4Signer: Sendable {
    /// `x-amz-content-sha256` of an empty body.
    package static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// `x-amz-content-sha256` when the body is not hashed (allowed by S3 over any transport).
    package static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// Headers that hops or curl may change: never signed.
    private static let unsignedHeaderNames: Set<String> = [
        "expect", "transfer-encoding", "connection", "user-agent", "authorization", "content-length",
    ]

    package var credentials: AWSCredentials
    package var region: String
    package var service: String

    package init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The parts of a request that take part in the signature.
    package struct Request: Sendable {
        package var method: String
        /// Already encoded (see `AWSURIEncoding.s3CanonicalURI`); also the path sent on the wire.
        package var canonicalURI: String
        /// Raw (unencoded) query names and values; a name without a value has value "".
        package var query: [(name: String, value: String)]
        /// Every header to sign, raw, in any order; repeated names are joined with commas.
        package var headers: [(name: String, value: String)]
        package var payloadHash: String

        package init(
            method: String, canonicalURI: String, query: [(name: String, value: String)] = [],
            headers: [(name: String, value: String)], payloadHash: String
        ) {
            self.method = method
            self.canonicalURI = canonicalURI
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    // MARK: Pure steps

    /// Names and values encoded (with `/` encoded too), sorted by name then value, `&`-joined.
    package static func canonicalQuery(_ items: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = items.map { item in
            (AWSURIEncoding.encode(item.name, keepSlash: false), AWSURIEncoding.encode(item.value, keepSlash: false))
        }
        let sorted = encoded.sorted { lhs, rhs in lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// The canonical header block (each `name:value\n`) and the `;`-joined signed header names.
    package static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (block: String, signed: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(normalizedValue(value))
        }
        let names = merged.keys.sorted()
        let block = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    package static func canonicalRequest(_ request: Request) -> String {
        let (block, signed) = canonicalHeaders(request.headers)
        return [
            request.method.uppercased(), request.canonicalURI, canonicalQuery(request.query), block, signed,
            request.payloadHash,
        ].joined(separator: "\n")
    }

    package func scope(dateStamp: String) -> String { "\(dateStamp)/\(region)/\(service)/aws4_request" }

    package func stringToSign(canonicalRequest: String, amzDate: String) -> String {
        let hash = hexString(SHA256.hash(data: Data(canonicalRequest.utf8)))
        return "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope(dateStamp: String(amzDate.prefix(8))))\n\(hash)"
    }

    package func signature(stringToSign: String, amzDate: String) -> String {
        let dateStamp = String(amzDate.prefix(8))
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for step in [dateStamp, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(step.utf8), using: key)))
        }
        return hexString(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// The `Authorization` header value; `request.headers` must already hold `x-amz-date`
    /// (and, for S3, `x-amz-content-sha256`).
    package func authorization(for request: Request, amzDate: String) -> String {
        let signature = signature(
            stringToSign: stringToSign(canonicalRequest: Self.canonicalRequest(request), amzDate: amzDate),
            amzDate: amzDate)
        let signed = Self.canonicalHeaders(request.headers).signed
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(dateStamp: String(amzDate.prefix(8)))), "
            + "SignedHeaders=\(signed), Signature=\(signature)"
    }

    // MARK: S3

    /// Signs an S3 request: adds `x-amz-date`, `x-amz-content-sha256` and (with session
    /// credentials) `x-amz-security-token` to `headers`, signs every header given except
    /// hop-by-hop ones, and returns the headers to send, `Authorization` included.
    package func signS3(
        method: String, canonicalURI: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], payloadHash: String, date: Date = Date()
    ) -> [(name: String, value: String)] {
        let amzDate = Self.amzDate(date)
        var all = headers.filter { !Self.unsignedHeaderNames.contains($0.name.lowercased()) }
        all.append(("x-amz-date", amzDate))
        all.append(("x-amz-content-sha256", payloadHash))
        if let token = credentials.sessionToken { all.append(("x-amz-security-token", token)) }
        let request = Request(
            method: method, canonicalURI: canonicalURI, query: query, headers: all, payloadHash: payloadHash)
        all.append(("Authorization", authorization(for: request, amzDate: amzDate)))
        return all
    }

    /// A presigned URL (SigV4 query signing): anyone holding it may send `method` to `target`
    /// until it expires, with exactly the `headers` given (signed with `host`), and no
    /// `Authorization` header. The payload is not signed (`UNSIGNED-PAYLOAD`).
    package func presignS3(
        method: String, target: S3Endpoint.Target, headers: [(name: String, value: String)] = [],
        expires: Duration, date: Date = Date()
    ) -> String {
        let amzDate = Self.amzDate(date)
        let signedHeaders = [("host", target.hostHeader)] + headers
        var query: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(dateStamp: String(amzDate.prefix(8))))"),
            ("X-Amz-Date", amzDate),
            ("X-Amz-Expires", String(max(1, min(604_800, expires.components.seconds)))),
            ("X-Amz-SignedHeaders", Self.canonicalHeaders(signedHeaders).signed),
        ]
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        let request = Request(method: method, canonicalURI: target.canonicalURI, query: query, headers: signedHeaders,
                              payloadHash: Self.unsignedPayload)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: Self.canonicalRequest(request), amzDate: amzDate),
                                  amzDate: amzDate)
        query.append(("X-Amz-Signature", signature))
        return target.url + "?" + Self.canonicalQuery(query)
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    package static func amzDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }


    /// Trims the value and collapses internal runs of spaces to one (SigV4 header rule).
    private static func normalizedValue(_ value: String) -> String {
        var out = ""
        var lastWasSpace = false
        for ch in value.trimmingCharacters(in: .whitespaces) {
            if ch == " " {
                if !lastWasSpace { out.append(ch) }
                lastWasSpace = true
            } else {
                out.append(ch)
                lastWasSpace = false
            }
        }
        return out
    }
}
