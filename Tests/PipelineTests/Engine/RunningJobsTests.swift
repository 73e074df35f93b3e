import Foundation
import Testing
@testable import Pipeline

/// A job that fails and is claimed again at once is briefly known under two leases: the old
/// attempt's task finishing and a heartbeat that sent the old lease must not touch the new one
/// (they did: the new attempt was stopped as "lost" and its job sat until the rescuer, 60 s).
struct RunningJobsTests {
    @Test func theOldAttemptsLeaseNeitherRemovesNorStopsTheNewOne() async throws {
        let running = RunningJobs()
        let job = UUID()
        let first = Lease(jobID: job, token: 1, workerID: "w")
        let second = Lease(jobID: job, token: 2, workerID: "w")
        running.add(first)
        running.add(second)  // claimed again before the first attempt's task removed itself
        let task = Task<Void, Never> { _ = try? await Task.sleep(for: .seconds(30)) }
        running.attach(task, to: job)

        #expect(!running.holds(first) && running.holds(second))
        running.stop(first, reason: .leaseLost)  // a heartbeat found the old lease gone
        #expect(!task.isCancelled && running.reason(job) == nil)
        running.remove(first)  // the old attempt's task ends
        #expect(running.holds(second) && running.count == 1)

        running.stop(second, reason: .leaseLost)
        #expect(task.isCancelled && running.reason(job) == .leaseLost)
        running.remove(second)
        #expect(running.count == 0)
    }
}
