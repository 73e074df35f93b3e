import Foundation
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// Scratch files: a private folder per run, removed at exit and, after a kill, by the next start.
struct ScratchSpaceTests {
    @Test func folderIsPrivateUniqueAndNeverAFixedName() throws {
        let base = TestEnvironment.scratchDirectory().path
        // Another user's trap: the old fixed name pointing elsewhere.
        let elsewhere = TestEnvironment.scratchDirectory().path
        try FileManager.default.createSymbolicLink(atPath: base + "/media-workflows", withDestinationPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: base + "/runner-scratch-trap00", withDestinationPath: elsewhere)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: elsewhere + "/victim"))

        let a = try ScratchSpace.makePrivateFolder(in: base)
        let b = try ScratchSpace.makePrivateFolder(in: base)
        #expect(a != b && a.hasPrefix(base + "/runner-scratch-"))
        let attributes = try FileManager.default.attributesOfItem(atPath: a)
        #expect(attributes[.type] as? FileAttributeType == .typeDirectory)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        ScratchSpace.removeAbandoned(in: base)
        #expect(FileManager.default.fileExists(atPath: elsewhere + "/victim"), "a planted link was followed")
        #expect(FileManager.default.fileExists(atPath: a), "a live process's folder was removed")
    }

    @Test func aKilledRunsFolderIsRemovedByTheNextStart() throws {
        let base = TestEnvironment.scratchDirectory().path
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let left = try ScratchSpace.makePrivateFolder(in: base)
        try Data("\(dead.processIdentifier)".utf8).write(to: URL(fileURLWithPath: left + "/owner.pid"))
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: left + "/half-encoded.flac"))
        let removed = ScratchSpace.removeAbandoned(in: base)
        #expect(removed == [left])
        #expect(!FileManager.default.fileExists(atPath: left))
    }

    /// A whole `runner process` leaves nothing in its temporary folder.
    @Test func processLeavesNoScratchBehind() async throws {
        let root = TestEnvironment.scratchDirectory().path
        let tmp = root + "/tmp"
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try Data("A short text.".utf8).write(to: URL(fileURLWithPath: root + "/in/a.txt"))
        let process = try RunnerProcess(["process", root + "/in", "--out", root + "/out"], databaseURL: "sqlite:\(root)/out/state.sqlite",
                                        environment: ["TMPDIR": tmp])
        #expect(try await process.wait(timeout: .seconds(60)) == 0, "\(process.log.suffix(1500))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty)
    }
}
