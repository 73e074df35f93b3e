import Foundation

/// Diagnostics for transport tests: `/_echo` describes the request it got (method, body length
/// and hash, headers, query); `/_bytes?n=N` answers N deterministic bytes.
package final class FakeEcho: FakeAPI, Sendable {
    let service = FakeService.echo

    func handles(_ request: FakeRequest) -> Bool { request.path == "/_echo" || request.path == "/_bytes" }

    func route(of request: FakeRequest) -> String { "\(request.method) \(request.path)" }

    func errorResponse(status: Int, retryDelay: String?) -> FakeResponse {
        .json(status, ["error": "injected \(status)"])
    }

    func handle(_ request: FakeRequest) -> FakeResponse {
        if request.path == "/_bytes" {
            let count = request.query["n"].flatMap(Int.init) ?? 1024
            return .bytes(Self.bytes(count), contentType: "application/octet-stream")
        }
        return .json(200, [
            "method": request.method, "length": request.body.count, "fnv": Self.fnv(request.body),
            "headers": request.headers, "query": request.query,
            "parts": (MultipartParser.parse(request.body, contentType: request.header("content-type") ?? "") ?? []).map {
                ["name": $0.name, "filename": $0.filename ?? "", "length": $0.data.count, "fnv": Self.fnv($0.data)]
            },
        ])
    }

    /// FNV-1a 64 of `data`, hex: tests compare it with the same hash of what they sent.
    package static func fnv(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    package static func bytes(_ count: Int) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
    }
}
