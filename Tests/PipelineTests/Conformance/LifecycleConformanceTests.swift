import Foundation
import Testing
@testable import Pipeline

/// Retries, dead letters, redrive, cancel, release, assets and uploads on both stores.
struct LifecycleConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func failedAttemptsRetryWithBackoffThenGoDeadAndCanBeRedriven(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let id = try await store.enqueue("fail", "{}", maxAttempts: 2)
        let error = try JSON(text: #"{"code":"boom","message":"it broke","step":"step1"}"#)

        let first = try #require(try await store.claim(workerID: "w", queues: ["default"], limit: 1).first)
        let afterFirst = try await store.failJob(first.lease, error: error, retryDelay: .seconds(60), permanent: false)
        #expect(afterFirst == .retrying)
        let retrying = try #require(try await store.job(id))
        #expect(retrying.runAt.timeIntervalSinceNow > 30)  // 60 s from the failure; slack for a loaded machine
        #expect(try await store.claim(workerID: "w", queues: ["default"], limit: 1).isEmpty)

        let soon = try await store.enqueue("fail", #"{"n":2}"#, maxAttempts: 2)
        let a = try #require(try await store.claim(workerID: "w", queues: ["default"], limit: 1).first)
        #expect(try await store.failJob(a.lease, error: error, retryDelay: .zero, permanent: false) == .retrying)
        let b = try #require(try await store.claim(workerID: "w", queues: ["default"], limit: 1).first)
        #expect(b.lease.jobID == soon && b.attempt == 2)
        #expect(try await store.failJob(b.lease, error: error, retryDelay: .zero, permanent: false) == .dead)
        let dead = try #require(try await store.job(soon))
        #expect(dead.status == .dead && dead.error?.contains("it broke") == true && dead.finishedAt != nil)
        #expect(try await store.eventTypes(soon).last == "job.dead")

        #expect(try await store.retry(jobID: soon, source: "cli") == .done(from: .dead))
        let redriven = try #require(try await store.job(soon))
        #expect(redriven.status == .queued && redriven.attempts == 0)
        let redrive = try #require(try await store.events(of: soon).last)
        #expect(redrive.type == "job.redriven" && redrive.source == "cli")
        #expect(try await store.retry(jobID: soon, source: "cli") == .notApplicable(.queued))
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func permanentFailuresSkipRetries(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let id = try await test.store.enqueue("noop", "{}")
        let job = try #require(try await test.store.claim(workerID: "w", queues: ["default"], limit: 1).first)
        let status = try await test.store.failJob(job.lease, error: .emptyObject, retryDelay: .zero, permanent: true)
        #expect(status == .dead)
        #expect(try await test.store.job(id)?.attempts == 1)
        await test.store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func cancelStopsQueuedAndRunningJobsOnly(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let queued = try await store.enqueue("noop", #"{"n":1}"#)
        #expect(try await store.cancel(jobID: queued, source: "cli") == .done(from: .queued))
        #expect(try await store.cancel(jobID: queued, source: "cli") == .notApplicable(.cancelled))
        #expect(try await store.claim(workerID: "w", queues: ["default"], limit: 5).isEmpty)

        let running = try await store.enqueue("noop", #"{"n":2}"#)
        let claimed = try #require(try await store.claim(workerID: "w", queues: ["default"], limit: 1).first)
        #expect(try await store.cancel(jobID: running, source: "cli") == .done(from: .running))
        await #expect(throws: StoreError.self) { try await store.startStep(claimed.lease, name: "noop", index: 0) }
        #expect(try await store.heartbeat([claimed.lease]) == [claimed.lease])
        #expect(try await store.job(running)?.status == .cancelled)
        let last = try #require(try await store.events(of: running).last)
        #expect(last.type == "job.cancelled" && last.source == "cli" && last.payload?.contains("running") == true)

        #expect(try await store.retry(jobID: running, source: "cli") == .done(from: .cancelled))
        await #expect(throws: StoreError.self) { try await store.cancel(jobID: UUID(), source: "cli") }
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func releaseReturnsTheJobWithoutSpendingAnAttempt(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let id = try await store.enqueue("noop", "{}")
        let job = try #require(try await store.claim(workerID: "w", queues: ["default"], limit: 1).first)
        try await store.releaseJob(job.lease, reason: "shutdown")
        let released = try #require(try await store.job(id))
        #expect(released.status == .queued && released.attempts == 0 && released.lockedBy == nil)
        let event = try #require(try await store.events(of: id).last)
        #expect(event.type == "job.released" && event.source == "w" && event.payload?.contains("shutdown") == true)
        await #expect(throws: StoreError.self) { try await store.releaseJob(job.lease, reason: "again") }
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func assetsAndUploadsRoundTrip(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let id = try await store.enqueue("noop", "{}")
        let job = try #require(try await store.claim(workerID: "w", queues: ["default"], limit: 1).first)
        let asset = Asset(jobID: id, step: "encode", kind: "audio", uri: "s3://b/jobs/\(id)/audio.mp3", bytes: 1234,
                          sha256: String(repeating: "ab", count: 32), contentType: "audio/mpeg",
                          meta: try JSON(text: #"{"seconds":1.5}"#))
        try await store.recordAsset(job.lease, asset)
        try await store.recordAsset(job.lease, asset)
        let assets = try await store.assets(of: id)
        #expect(assets.count == 1 && assets[0].bytes == 1234 && assets[0].kind == "audio" && assets[0].meta.contains("1.5"))

        var upload = UploadState(uri: "s3://b/big", jobID: id, uploadID: "u-1", partSize: 8 << 20)
        try await store.saveUpload(upload)
        upload.parts = [.init(number: 1, etag: "\"e1\""), .init(number: 2, etag: "\"e2\"")]
        try await store.saveUpload(upload)
        let loaded = try #require(try await store.upload(uri: "s3://b/big"))
        #expect(loaded.uploadID == "u-1" && loaded.parts == upload.parts && loaded.jobID == id)
        try await store.deleteUpload(uri: "s3://b/big")
        #expect(try await store.upload(uri: "s3://b/big") == nil)
        await store.close()
    }
}
