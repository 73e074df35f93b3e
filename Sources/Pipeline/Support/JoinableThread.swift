import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A POSIX thread that can be joined. Stores close by joining their threads, so that no thread
/// is still tearing down (libpq's and OpenSSL's per-thread state) while the process exits: a
/// `runner enqueue` was seen to crash at exit, once in several hundred runs, without this.
final class JoinableThread: @unchecked Sendable {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Guarded by `lock`: whether `join()` already ran.
    private let lock = NSLock()
    private var handle: pthread_t
    private var joined = false

    init(_ body: @escaping () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        handle = thread
    }

    /// Waits for the thread to end (once; later calls return at once). Never call it from the thread itself.
    func join() {
        lock.lock()
        defer { lock.unlock() }
        guard !joined else { return }
        joined = true
        pthread_join(handle, nil)
    }

    deinit {
        lock.lock()
        if !joined { pthread_detach(handle) }
        lock.unlock()
    }
}
