import FakeProviders
import Foundation
import Logging
import Testing
@testable import Pipeline
@testable import Providers

/// Fleet-wide provider limits: leases in PostgreSQL hold one limit across every worker process,
/// and the slots of a worker that died come back once their lease expires.
@Suite(.serialized)
struct FleetLimitTests {
    @Test func threeWorkerProcessesKeepOneLimitOfFourAndUseIt() async throws {
        let test = try await TestStore.make(.postgres)
        let fakes = try await FakeProviders.start()
        let latency = Duration.milliseconds(500)  // long next to a busy machine's scheduling delays
        fakes.setLatency(latency, for: .openai)
        let root = TestEnvironment.scratchDirectory().appendingPathComponent("fleet-\(UUID().uuidString.prefix(8))").path
        let storage = try LocalStorage(root: root + "/out")
        try await ProviderLimitTests.writeTone(seconds: 60, to: root + "/tone.wav")
        _ = try await storage.put(file: root + "/tone.wav", key: "inputs/tone/tone.wav")
        let jobs = 4
        for index in 0..<jobs {  // 12 chunks of 5 s each
            let input = TranscribeInput(sourceKey: "inputs/tone/tone.wav", name: "tone-\(index).wav", transcriber: "openai", chunkSeconds: 5)
            _ = try await test.store.enqueue(EnqueueRequest(workflow: "transcribe", input: try JSON(encoding: input)), source: "test")
        }
        let environment = ["OPENAI_API_KEY": fakes.keys.openai, "OPENAI_BASE_URL": fakes.openAIBaseURL]
        let workers = try (0..<3).map { _ in
            try RunnerProcess.worker(databaseURL: test.url, ["--out", root + "/out", "--concurrency", "2", "--exit-when-idle",
                                                             "--provider-limit", "openai=4"], environment: environment)
        }
        for worker in workers {
            let status = try await worker.wait(timeout: .seconds(120))
            #expect(status == 0, "worker log: \(worker.log.suffix(2000))")
        }
        await fakes.shutdown()
        #expect(try await test.store.counts() == [.succeeded: jobs])
        let stats = fakes.stats(.openai)
        #expect(stats.calls == jobs * 12)
        #expect(stats.peakConcurrency == 4, "peak \(stats.peakConcurrency) requests in flight; the fleet limit is 4")
        // Ideal for the limit: all 4 slots busy from the first request to the last answer, i.e.
        // the requests' summed time (at least the fake's latency each; more when this busy
        // machine is slow to answer) in back-to-back rounds of 4.
        let first = try #require(stats.firstArrival)
        let last = try #require(stats.lastAnswer)
        let ideal = stats.busy / 4
        let ratio = ideal / (last - first)
        print("fleet limit: \(stats.calls) calls in \(last - first), ideal \(ideal) (\(latency * (Double(stats.calls) / 4)) at exactly the "
              + "fake's latency): \(Int(ratio * 100)) % of ideal")
        #expect(stats.busy >= latency * Double(stats.calls))
        // The limit is used, not merely kept: leases that serialised the calls (one in flight)
        // would give 25 %. Beside the whole suite on this 2-core machine it measured 75–87 % (the
        // figure printed above), too close to the 80 % for a pass/fail line: the test asks 50 %.
        #expect(ratio >= 0.5, "throughput \(Int(ratio * 100)) % of the ideal for a limit of 4")
        let left = try await test.rows("SELECT COUNT(*) FROM provider_leases")
        #expect(try left.first?.int(0) == 0, "every lease released")
        await test.store.close()
    }

    @Test func aLeaseOfADeadHolderExpiresAndALiveOneIsRenewed() async throws {
        let test = try await TestStore.make(.postgres)
        let sql = try #require(test.store as? SQLJobStore)
        let logger = Logger(label: "test")
        // A worker that died holding both slots: nobody renews them.
        // Three seconds: long enough that the third try comes before the first two expire, even on
        // a loaded machine.
        let leased = ContinuousClock.now
        #expect(try await sql.tryLease("revai", limit: 2, holder: "dead", ttl: .seconds(3)) != nil)
        #expect(try await sql.tryLease("revai", limit: 2, holder: "dead", ttl: .seconds(3)) != nil)
        #expect(try await sql.tryLease("revai", limit: 2, holder: "dead", ttl: .seconds(3)) == nil)
        let live = try #require(ProviderLeases(store: test.store, ttl: .seconds(2), holder: "live", logger: logger))
        let slot = try await live.acquire("revai", limit: 2)
        let waited = ContinuousClock.now - leased
        #expect(waited >= .seconds(3) && waited < .seconds(30), "a slot after \(waited): only once the dead holder's 3 s lease expired")
        // Held well past its ttl, the live lease is renewed: a rival gets no slot of a limit of 1.
        let rival = try #require(ProviderLeases(store: test.store, ttl: .seconds(2), holder: "rival", logger: logger))
        let one = try await live.acquire("gemini", limit: 1)
        let rivalGot = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { _ = try await rival.acquire("gemini", limit: 1); return true }
            group.addTask { try await Task.sleep(for: .seconds(3)); return false }  // past the 2 s ttl: renewed
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        #expect(!rivalGot, "a renewed lease was taken by another holder")
        await live.release(one)
        await live.release(slot)
        let gemini = try await rival.acquire("gemini", limit: 1)
        await rival.release(gemini)
        await test.store.close()
    }
}
