import Basics
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Listens on a channel on its own connection and thread, calling `onNotify` for every batch of
/// notifications; reconnects after the server went away (and then calls `onNotify` once, since
/// notifications sent meanwhile are lost).
///
/// `@unchecked Sendable`: `stopped` is guarded by a lock; the connection lives on the thread.
final class PGListener: @unchecked Sendable {
    private let stopped = Locked(false)
    private let thread: JoinableThread

    init(url: DatabaseURL, channel: String, onNotify: @escaping @Sendable () -> Void) {
        let stopped = self.stopped
        thread = JoinableThread {
            Self.loop(url: url, channel: channel, stopped: stopped, onNotify: onNotify)
        }
    }

    /// Stops listening and waits (at most a poll interval, or a connection attempt) for the thread.
    func stop() {
        stopped.withLock { $0 = true }
        thread.join()
    }

    private static func loop(url: DatabaseURL, channel: String, stopped: Locked<Bool>, onNotify: @Sendable () -> Void) {
        var connection: PGConnection?
        while !stopped.withLock({ $0 }) {
            guard let live = connection, live.isHealthy else {
                connection = nil
                do {
                    let fresh = try PGConnection(url: url)
                    // LISTEN takes an identifier, not a parameter; the channel is our constant.
                    try fresh.command("LISTEN \(channel)")
                    connection = fresh
                    onNotify()
                } catch {
                    usleep(500_000)
                }
                continue
            }
            var descriptor = pollfd(fd: live.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready > 0 {
                let count = live.drainNotifications()
                if count < 0 {
                    connection = nil
                } else if count > 0 {
                    onNotify()
                }
            }
        }
    }
}
