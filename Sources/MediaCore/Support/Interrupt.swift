internal import CFFmpeg
import Dispatch
import Synchronization

/// What FFmpeg's `interrupt_callback` consults during blocking I/O: a cancellation flag and an
/// inactivity deadline, so a stalled read (a hung network mount, a pipe) ends with a
/// `timedOut` error instead of hanging the job.
final class InterruptState: Sendable {
    private let cancelledFlag = Atomic<Bool>(false)
    private let lastProgress = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)
    private let limitNanos: UInt64
    private let timedOutFlag = Atomic<Bool>(false)

    /// - Parameter inactivityTimeout: seconds without progress before I/O is abandoned.
    init(inactivityTimeout: Double) {
        limitNanos = UInt64(max(inactivityTimeout, 0.001) * 1e9)
    }

    func cancel() { cancelledFlag.store(true, ordering: .relaxed) }
    var isCancelled: Bool { cancelledFlag.load(ordering: .relaxed) }
    var didTimeOut: Bool { timedOutFlag.load(ordering: .relaxed) }

    /// Records that data moved; called once per packet read.
    func progressed() { lastProgress.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }

    fileprivate func shouldInterrupt() -> Bool {
        if cancelledFlag.load(ordering: .relaxed) { return true }
        let idle = DispatchTime.now().uptimeNanoseconds &- lastProgress.load(ordering: .relaxed)
        if idle > limitNanos {
            timedOutFlag.store(true, ordering: .relaxed)
            return true
        }
        return false
    }

    /// The callback struct to install on a format context; `self` must outlive the context.
    var callback: AVIOInterruptCB {
        AVIOInterruptCB(
            callback: { opaque in
                guard let opaque else { return 0 }
                let state = Unmanaged<InterruptState>.fromOpaque(opaque).takeUnretainedValue()
                return state.shouldInterrupt() ? 1 : 0
            },
            opaque: Unmanaged.passUnretained(self).toOpaque())
    }
}
