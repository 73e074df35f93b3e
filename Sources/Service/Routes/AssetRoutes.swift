import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Pipeline
import Providers

extension APIServer {
    var assetRoutes: [APIRoute] {
        [
            APIRoute(.get, "/v1/assets/{id}", .read) { _, context in
                try JSONResponse.make(Views.asset(try await ownedAsset(context)))
            },
            APIRoute(.get, "/v1/assets/{id}/content", .read) { request, context in
                try await assetContent(try await ownedAsset(context), request, context)
            },
        ]
    }

    /// The asset named by `{id}`, if its job is the caller's.
    private func ownedAsset(_ context: APIContext) async throws -> Asset {
        let text = context.parameters.get("id") ?? ""
        guard let (jobID, tag) = AssetID.parse(text), try await store.job(jobID, tenant: try context.caller.tenant) != nil,
              let asset = try await store.assets(of: jobID).first(where: { AssetID.uriTag($0.uri) == tag })
        else { throw Problem.notFound("asset \(text)") }
        return asset
    }

    /// The asset's bytes, honouring one `Range` (so a browser can seek in audio). Local files are
    /// read where they are; an object in S3 is a redirect to a presigned GET URL (valid
    /// `presignedLifetime`), so the bytes go from the bucket to the client, Range and all.
    func assetContent(_ asset: Asset, _ request: Request, _ context: APIContext) async throws -> Response {
        let path: String
        var temporary = false
        if let url = URL(string: asset.uri), url.isFileURL {
            path = url.path
        } else if let key = objectKey(asset.uri),
                  let url = try storage.presignedURL(method: "GET", key: key, headers: [], expires: configuration.presignedLifetime) {
            return Response(status: .found, headers: [.location: url, .cacheControl: "private, no-store"])
        } else if let key = objectKey(asset.uri) {
            path = configuration.scratch + "/asset-" + UUID().uuidString
            try await storage.get(key: key, to: path)
            temporary = true
        } else {
            throw Problem.notFound("the content of asset \(AssetID.make(job: asset.jobID, uri: asset.uri))")
        }
        let name = asset.uri.split(separator: "/").last.map(String.init) ?? "content"
        return try fileContent(path: path, temporary: temporary, contentType: asset.contentType, name: name,
                               eTag: asset.sha256, request)
    }

    /// A file's bytes as a response, honouring one `Range`. A `temporary` file is unlinked once
    /// open (its bytes stay readable through the handle, nothing is left behind).
    func fileContent(path: String, temporary: Bool, contentType: String, name: String, eTag: String?,
                     _ request: Request) throws -> Response {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            if temporary { unlink(path) }
            throw Problem(.gone, "content_missing", "the asset's file is no longer in the store")
        }
        if temporary { unlink(path) }
        let size = Int64(try handle.seekToEnd())
        var headers: HTTPFields = [
            .contentType: contentType, .acceptRanges: "bytes",
            .contentDisposition: "inline; filename=\"\(name.filter { $0 != "\"" && $0.isASCII })\"",
        ]
        if let eTag { headers[.eTag] = "\"\(eTag)\"" }
        var range: ClosedRange<Int64> = 0...max(0, size - 1)
        var status = HTTPResponse.Status.ok
        if let header = request.headers[.range], let asked = ByteRange(header) {
            guard let resolved = asked.resolve(size: size) else {
                try? handle.close()
                throw Problem(.rangeNotSatisfiable, "bad_range", "the range \(header) is outside the \(size) bytes of the asset",
                              headers: [.contentRange: "bytes */\(size)"])
            }
            range = resolved
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
        }
        let length = size == 0 ? 0 : range.upperBound - range.lowerBound + 1
        headers[.contentLength] = String(length)
        let start = range.lowerBound
        let body = ResponseBody(contentLength: Int(length)) { writer in
            defer { try? handle.close() }
            var offset = start
            var remaining = length
            while remaining > 0 {
                let count = Int(min(remaining, 256 * 1024))
                let at = offset
                let data = try await blockingRead { () throws -> Data in
                    try handle.seek(toOffset: UInt64(at))
                    return try handle.read(upToCount: count) ?? Data()
                }
                if data.isEmpty { break }
                try await writer.write(ByteBuffer(bytes: data))
                offset += Int64(data.count)
                remaining -= Int64(data.count)
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// The store's key of an `s3://bucket/prefix/key` URI (the prefix is the store's own).
    func objectKey(_ uri: String) -> String? {
        guard uri.hasPrefix("s3://"), let marker = uri.range(of: "/jobs/") else { return nil }
        return String(uri[uri.index(after: marker.lowerBound)...])
    }
}

/// One `Range: bytes=…` request: `a-b`, `a-` or `-n` (several ranges are served whole).
struct ByteRange {
    let start: Int64?
    let end: Int64?

    init?(_ header: String) {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        start = parts[0].isEmpty ? nil : Int64(parts[0])
        end = parts[1].isEmpty ? nil : Int64(parts[1])
        if !parts[0].isEmpty && start == nil { return nil }
        if !parts[1].isEmpty && end == nil { return nil }
        if start == nil && end == nil { return nil }
    }

    /// The inclusive byte range in a file of `size` bytes, nil when unsatisfiable.
    func resolve(size: Int64) -> ClosedRange<Int64>? {
        guard size > 0 else { return nil }
        if let start {
            guard start < size else { return nil }
            let last = min(end ?? size - 1, size - 1)
            return last >= start ? start...last : nil
        }
        guard let suffix = end, suffix > 0 else { return nil }
        return max(0, size - suffix)...(size - 1)
    }
}
