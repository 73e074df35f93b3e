import Basics
import CCurl
import Foundation

/// Marks a request cancelled; read by the curl thread, set by the Swift task's cancellation handler.
final class CancelToken: Sendable {
    private let state = Locked(false)
    var isCancelled: Bool { state.withLock { $0 } }
    func cancel() { state.withLock { $0 = true } }
}

/// curl's multi interface driven by one dedicated thread, so no Swift cooperative thread ever
/// blocks on the network. The multi handle keeps a connection pool, so connections are reused.
///
/// `@unchecked Sendable`: `multi` and `active` are used only on the engine thread, except
/// `curl_multi_wakeup`, which libcurl documents as callable from any thread; `inbox` is locked.
final class CurlEngine: @unchecked Sendable {
    private struct Inbox {
        var pending: [CurlTransfer] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Locked(Inbox())
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    private static let globalInit: Void = { _ = curl_global_init(3) }()  // CURL_GLOBAL_ALL

    init(maxConnectionsPerHost: Int, maxTotalConnections: Int) {
        Self.globalInit
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxTotalConnections)
        let thread = Thread { [self] in run() }
        thread.name = "curl-multi"
        thread.start()
    }

    /// Hands a transfer to the engine thread. The transfer's continuation is resumed there.
    func submit(_ transfer: CurlTransfer) {
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping else { return false }
            inbox.pending.append(transfer)
            return true
        }
        if accepted {
            wake()
        } else {
            transfer.fail(HTTPError(.cancelled, message: "HTTP client shut down"))
        }
    }

    func wake() { _ = curl_multi_wakeup(multi) }

    /// Stops the thread; transfers still in flight fail as cancelled.
    func shutdown() {
        inbox.withLock { $0.stopping = true }
        wake()
    }

    private func run() {
        while true {
            let (incoming, stopping) = inbox.withLock { inbox in
                defer { inbox.pending = [] }
                return (inbox.pending, inbox.stopping)
            }
            if stopping {
                for transfer in incoming { transfer.fail(HTTPError(.cancelled, message: "HTTP client shut down")) }
                break
            }
            for transfer in incoming { start(transfer) }
            abortCancelled()
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for (easy, transfer) in active {
            _ = curl_multi_remove_handle(multi, easy)
            transfer.fail(HTTPError(.cancelled, message: "HTTP client shut down"))
        }
        active = [:]
        _ = curl_multi_cleanup(multi)
    }

    private func start(_ transfer: CurlTransfer) {
        if transfer.token.isCancelled {
            transfer.fail(HTTPError(.cancelled, message: "request cancelled"))
            return
        }
        do {
            try transfer.prepare()
        } catch {
            transfer.fail(error)
            return
        }
        guard let easy = transfer.easy, curl_multi_add_handle(multi, easy) == CURLM_OK else {
            transfer.fail(HTTPError(.local, message: "curl_multi_add_handle failed"))
            return
        }
        active[easy] = transfer
    }

    /// Removes transfers whose task was cancelled, without waiting for curl's progress callback.
    private func abortCancelled() {
        for (easy, transfer) in active where transfer.token.isCancelled {
            _ = curl_multi_remove_handle(multi, easy)
            active[easy] = nil
            transfer.fail(HTTPError(.cancelled, message: "request cancelled"))
        }
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            _ = curl_multi_remove_handle(multi, easy)
            active.removeValue(forKey: easy)?.finish(code)
        }
    }
}
