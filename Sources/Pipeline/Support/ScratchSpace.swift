import Foundation
import Synchronization
import CoreFoundation
#if canImport(Glibc)
import Glibc
#endif

/// The process's private scratch folder: made with `mkdtemp` (mode 0700, a fresh random name,
/// so a symbolic link planted under `$TMPDIR` by another user is never followed), holding the
/// owner's pid so that the next start removes what a killed run left behind.
package enum ScratchSpace {
    static let prefix = "runner-scratch-"
    static let ownerFile = "owner.pid"

    /// This process's folder, made on first use (nil when `$TMPDIR` is not writable).
    package static let processFolder: String? = {
        removeAbandoned(in: NSTemporaryDirectory())
        let folder = try? makePrivateFolder(in: NSTemporaryDirectory())
        made.withLock { $0 = folder }
        return folder
    }()
    private static let made = Mutex<String?>(nil)

    /// Makes a new private folder under `base`, recording this process as its owner.
    /// - Throws: `StepFailure` when the folder cannot be made.
    static func makePrivateFolder(in base: String) throws -> String {
        var template = Array((URL(fileURLWithPath: base).standardizedFileURL.path + "/" + prefix + "XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw StepFailure(code: "scratch_unavailable",
                              message: "cannot make a scratch folder in \(base): \(String(cString: strerror(errno)))", retryable: false)
        }
        let path = String(cString: made)
        try? Data("\(getpid())".utf8).write(to: URL(fileURLWithPath: path + "/" + ownerFile))
        return path
    }

    /// Removes this process's folder (at exit; a killed process's is removed by the next start).
    package static func removeProcessFolder() {
        if let folder = made.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Removes the scratch folders under `base` whose owner process is gone. Only real folders
    /// owned by this user are touched; a symbolic link is never followed.
    /// - Returns: the folders removed.
    @discardableResult
    static func removeAbandoned(in base: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            let path = (base as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else { continue }
            let owner = (try? String(contentsOfFile: path + "/" + ownerFile, encoding: .utf8))
                .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if let owner, owner == getpid() || kill(owner, 0) == 0 || errno == EPERM { continue }
            // No owner yet: another process may be between `mkdtemp` and writing its pid.
            if owner == nil, Date().timeIntervalSince1970 - Double(info.st_mtim.tv_sec) < 60 { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
    }
}
