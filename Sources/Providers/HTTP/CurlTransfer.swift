import CCurl
import Foundation

/// One request in flight on the curl thread: its easy handle, the body source, the response sink
/// and the continuation to resume when curl is done.
///
/// Lives on the curl thread only (`CurlEngine` creates, drives and finishes it there); the one
/// value other threads touch is `token`, which is locked.
final class CurlTransfer {
    let request: HTTPRequest
    let token: CancelToken
    var continuation: CheckedContinuation<HTTPResponse, any Error>?

    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var resolveList: UnsafeMutablePointer<curl_slist>?
    var mime: OpaquePointer?

    // Request body source.
    var bodyData = Data()
    var bodyFD: Int32 = -1
    var bodyStart: Int64 = 0
    var bodyLength: Int64 = 0
    var bodySent: Int64 = 0

    // Response sink.
    var responseHeaders = HTTPHeaders()
    var responseBody = Data()
    var received: Int64 = 0
    var outFD: Int32 = -1
    var limit: Int64?
    var overLimit = false
    var localFailure: String?

    init(request: HTTPRequest, token: CancelToken, continuation: CheckedContinuation<HTTPResponse, any Error>) {
        self.request = request
        self.token = token
        self.continuation = continuation
    }

    deinit { release() }

    /// Creates and configures the easy handle. On failure everything set up so far is freed.
    func prepare() throws(HTTPError) {
        guard let easy = curl_easy_init() else { throw HTTPError(.local, message: "curl_easy_init failed") }
        self.easy = easy
        do {
            try configure(easy)
        } catch {
            release()
            throw error
        }
    }

    private func configure(_ easy: UnsafeMutableRawPointer) throws(HTTPError) {
        let me = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        try check(request.url.withCString { ccurl_setopt_ptr(easy, CURLOPT_URL, $0) }, "URL")
        _ = ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
        _ = ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout))
        if !request.isIdempotent {
            // curl silently re-sends a request whose reused connection turns out dead; a fresh
            // connection rules that out, so a non-idempotent request is sent at most once.
            _ = ccurl_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1)
        }
        // Cancellation reaches curl through the progress callback.
        _ = ccurl_setopt_long(easy, CURLOPT_NOPROGRESS, 0)
        _ = ccurl_setopt_xferinfo(easy) { userdata, _, _, _, _ in
            Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue().token.isCancelled ? 1 : 0
        }
        _ = ccurl_setopt_ptr(easy, CURLOPT_XFERINFODATA, me)
        _ = ccurl_setopt_write(easy) { buffer, size, count, userdata in
            Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
                .receiveBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
        }
        _ = ccurl_setopt_ptr(easy, CURLOPT_WRITEDATA, me)
        _ = ccurl_setopt_header(easy) { buffer, size, count, userdata in
            Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
                .receiveHeader(UnsafeRawBufferPointer(start: buffer, count: size * count))
        }
        _ = ccurl_setopt_ptr(easy, CURLOPT_HEADERDATA, me)

        try configureBody(easy, me)
        try configureDestination()

        var headers = request.headers
        // curl would add `Expect: 100-continue` to uploads; servers here answer directly.
        headers.set("Expect", "")
        if request.method.uppercased() == "POST", !headers.contains("Content-Type"),
            !isMultipart {
            headers.set("Content-Type", "")  // drop curl's default form-urlencoded type
        }
        for field in headers {
            let line = field.value.isEmpty ? "\(field.name):" : "\(field.name): \(field.value)"
            headerList = curl_slist_append(headerList, line)
        }
        _ = ccurl_setopt_ptr(easy, CURLOPT_HTTPHEADER, headerList)
        if !request.pinnedAddresses.isEmpty {
            for entry in request.pinnedAddresses { resolveList = curl_slist_append(resolveList, entry) }
            try check(ccurl_setopt_ptr(easy, CURLOPT_RESOLVE, resolveList), "RESOLVE")
        }
    }

    var isMultipart: Bool {
        if case .multipart = request.body { return true }
        return false
    }

    private func configureBody(_ easy: UnsafeMutableRawPointer, _ me: UnsafeRawPointer) throws(HTTPError) {
        let method = request.method.uppercased()
        let isPost = method == "POST"
        switch request.body {
        case .none:
            if method == "HEAD" {
                _ = ccurl_setopt_long(easy, CURLOPT_NOBODY, 1)
            } else if isPost {
                _ = ccurl_setopt_long(easy, CURLOPT_POSTFIELDSIZE, 0)
                _ = "".withCString { ccurl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0) }
            } else if method != "GET" {
                _ = method.withCString { ccurl_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, $0) }
            }
            return
        case .bytes(let data):
            bodyData = data
            bodyLength = Int64(data.count)
        case .file(let path, let offset, let length):
            try openBodyFile(path, offset: offset, length: length)
        case .multipart(let parts):
            try buildMime(easy, parts)
            if !isPost { _ = method.withCString { ccurl_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, $0) } }
            return
        }
        _ = ccurl_setopt_read(easy) { buffer, size, count, userdata in
            Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
                .sendBody(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
        }
        _ = ccurl_setopt_ptr(easy, CURLOPT_READDATA, me)
        // curl rewinds the body when it re-sends on a reused connection that turned out dead.
        let seek: curl_seek_callback = { userdata, offset, origin in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
            guard origin == SEEK_SET, offset >= 0, Int64(offset) <= transfer.bodyLength else { return 2 }  // CANTSEEK
            transfer.bodySent = Int64(offset)
            return 0  // CURL_SEEKFUNC_OK
        }
        _ = ccurl_setopt_ptr(easy, CURLOPT_SEEKFUNCTION, unsafeBitCast(seek, to: UnsafeRawPointer.self))
        _ = ccurl_setopt_ptr(easy, CURLOPT_SEEKDATA, me)
        if isPost {
            _ = ccurl_setopt_long(easy, CURLOPT_POST, 1)
            _ = ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyLength))
        } else {
            _ = ccurl_setopt_long(easy, CURLOPT_UPLOAD, 1)
            _ = ccurl_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(bodyLength))
            if method != "PUT" { _ = method.withCString { ccurl_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, $0) } }
        }
    }

    private func openBodyFile(_ path: String, offset: Int64, length: Int64?) throws(HTTPError) {
        bodyFD = open(path, O_RDONLY | O_CLOEXEC)
        guard bodyFD >= 0 else { throw HTTPError(.local, message: "cannot open request body file (errno \(errno))") }
        var info = stat()
        guard fstat(bodyFD, &info) == 0 else { throw HTTPError(.local, message: "cannot stat request body file") }
        let size = Int64(info.st_size)
        guard offset >= 0, offset <= size else { throw HTTPError(.local, message: "body offset beyond end of file") }
        bodyStart = offset
        bodyLength = min(length ?? (size - offset), size - offset)
    }

    private func buildMime(_ easy: UnsafeMutableRawPointer, _ parts: [MultipartPart]) throws(HTTPError) {
        guard let mime = curl_mime_init(easy) else { throw HTTPError(.local, message: "curl_mime_init failed") }
        self.mime = mime
        for spec in parts {
            guard let part = curl_mime_addpart(mime) else { throw HTTPError(.local, message: "curl_mime_addpart failed") }
            _ = curl_mime_name(part, spec.name)
            switch spec.content {
            case .bytes(let data):
                _ = data.withUnsafeBytes { curl_mime_data(part, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count) }
            case .file(let path):
                try check(curl_mime_filedata(part, path), "multipart file part")
            }
            if let filename = spec.filename { _ = curl_mime_filename(part, filename) }
            if let type = spec.contentType { _ = curl_mime_type(part, type) }
        }
        _ = ccurl_setopt_ptr(easy, CURLOPT_MIMEPOST, UnsafeRawPointer(mime))
    }

    private func configureDestination() throws(HTTPError) {
        switch request.response {
        case .memory(let limit):
            self.limit = Int64(limit)
        case .file(let path, let limit):
            self.limit = limit
            outFD = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard outFD >= 0 else { throw HTTPError(.local, message: "cannot create response file (errno \(errno))") }
        }
    }

    private func check(_ code: CURLcode, _ what: String) throws(HTTPError) {
        guard code != CURLE_OK else { return }
        throw HTTPError(.local, curlCode: Int(code.rawValue), message: "\(what): \(String(cString: curl_easy_strerror(code)))")
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
