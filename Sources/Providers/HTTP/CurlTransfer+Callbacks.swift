import CCurl
import Foundation

/// The curl callbacks' bodies and the end of a transfer. All run on the curl thread.
extension CurlTransfer {
    /// CURLOPT_READFUNCTION: copies the next slice of the request body into `buffer`.
    func sendBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let remaining = bodyLength - bodySent
        let count = Int(min(Int64(buffer.count), remaining))
        guard count > 0, let base = buffer.baseAddress else { return 0 }
        if bodyFD >= 0 {
            let got = pread(bodyFD, base, count, off_t(bodyStart + bodySent))
            guard got >= 0 else { return 0x1000_0000 }  // CURL_READFUNC_ABORT
            bodySent += Int64(got)
            return got
        }
        let start = bodyData.startIndex + Int(bodySent)
        bodyData.copyBytes(to: base.assumingMemoryBound(to: UInt8.self), from: start..<(start + count))
        bodySent += Int64(count)
        return count
    }

    /// CURLOPT_WRITEFUNCTION: appends to memory or the file, enforcing the size limit.
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Int {
        if let limit, received + Int64(chunk.count) > limit {
            overLimit = true
            return 0  // curl fails the transfer with CURLE_WRITE_ERROR
        }
        if outFD >= 0 {
            var offset = 0
            while offset < chunk.count {
                let wrote = write(outFD, chunk.baseAddress! + offset, chunk.count - offset)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    localFailure = "cannot write response file (errno \(errno))"
                    return 0
                }
                offset += wrote
            }
        } else {
            responseBody.append(contentsOf: chunk)
        }
        received += Int64(chunk.count)
        return chunk.count
    }

    /// CURLOPT_HEADERFUNCTION: one header line per call; a status line starts a new response
    /// (after a 100 Continue or a redirect), so earlier fields are dropped.
    func receiveHeader(_ line: UnsafeRawBufferPointer) -> Int {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            responseHeaders = HTTPHeaders()
        } else if let colon = text.firstIndex(of: ":") {
            let name = text[..<colon].trimmingCharacters(in: .whitespaces)
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            if !name.isEmpty { responseHeaders.add(name, value) }
            // Reserve the announced body once instead of growing it chunk by chunk.
            if outFD < 0, name.lowercased() == "content-length", let length = Int(value), length <= Int(limit ?? Int64.max) {
                responseBody.reserveCapacity(length)
            }
        }
        return line.count
    }

    /// Resumes the caller with the response or the mapped error, then frees the handles.
    func finish(_ code: CURLcode) {
        guard let continuation else { return }
        self.continuation = nil
        if code == CURLE_OK, let easy {
            var status = 0
            _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            let response = HTTPResponse(status: status, headers: responseHeaders, body: responseBody, bodyLength: received)
            release()
            continuation.resume(returning: response)
        } else {
            let error = mapError(code)
            release()
            continuation.resume(throwing: error)
        }
    }

    /// Fails the transfer without a curl result (not prepared, cancelled before start, shutdown).
    func fail(_ error: HTTPError) {
        guard let continuation else { return }
        self.continuation = nil
        release()
        continuation.resume(throwing: error)
    }

    private func mapError(_ code: CURLcode) -> HTTPError {
        let raw = Int(code.rawValue)
        let message = String(cString: curl_easy_strerror(code))
        if token.isCancelled { return HTTPError(.cancelled, curlCode: raw, message: "request cancelled") }
        switch raw {
        case 42: return HTTPError(.cancelled, curlCode: raw, message: "request cancelled")
        case 23 where overLimit: return HTTPError(.bodyTooLarge, curlCode: raw, message: "response body exceeds \(limit ?? 0) bytes")
        case 23: return HTTPError(.local, curlCode: raw, message: localFailure ?? message)
        case 28: return HTTPError(.timeout, curlCode: raw, message: message)
        case 5, 6, 7: return HTTPError(.connect, curlCode: raw, message: message)
        case 8, 16, 18, 52, 55, 56, 92: return HTTPError(.connectionLost, curlCode: raw, message: message)
        case 1, 3, 26: return HTTPError(.local, curlCode: raw, message: message)
        default: return HTTPError(.other, curlCode: raw, message: message)
        }
    }

    /// Frees the easy handle, header list, mime tree and files; safe to call twice.
    func release() {
        if let easy { curl_easy_cleanup(easy) }
        easy = nil
        if let mime { curl_mime_free(mime) }  // after the easy handle, which used it
        mime = nil
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        if let resolveList { curl_slist_free_all(resolveList) }
        resolveList = nil
        if bodyFD >= 0 { close(bodyFD) }
        bodyFD = -1
        if outFD >= 0 { close(outFD) }
        outFD = -1
    }
}
