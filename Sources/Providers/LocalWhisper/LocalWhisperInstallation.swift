import Foundation

/// Where the local transcription engine is installed: the private virtual environment made by
/// `scripts/setup.sh` (`.venv-whisper/`) and the server program (`scripts/local-whisper/server.py`).
///
/// Found from `LOCAL_WHISPER_PYTHON` and `LOCAL_WHISPER_SERVER` when set, else in the first
/// folder, going up from the working directory and then from the runner's own executable, that
/// holds both (a checkout with `.build/…/runner` inside it).
package struct LocalWhisperInstallation: Sendable, Equatable {
    /// The virtual environment's interpreter.
    package var python: String
    /// `server.py`.
    package var server: String
    /// A CTranslate2 Whisper model folder (`LOCAL_WHISPER_MODEL`); nil: the packaged tiny.en.
    package var model: String?

    package static let venv = ".venv-whisper"
    package static let serverPath = "scripts/local-whisper/server.py"

    package init(python: String, server: String, model: String? = nil) {
        self.python = python
        self.server = server
        self.model = model
    }

    /// The installation, or nil when it is not installed (run `scripts/setup.sh`).
    package static func find(environment: ProviderEnvironment = ProviderEnvironment(),
                             executable: String = CommandLine.arguments.first ?? "") -> LocalWhisperInstallation? {
        let files = FileManager.default
        let model = environment.optional("LOCAL_WHISPER_MODEL")
        if let python = environment.optional("LOCAL_WHISPER_PYTHON") {
            let server = environment.optional("LOCAL_WHISPER_SERVER") ?? roots(executable: executable).map { $0 + "/" + serverPath }
                .first { files.fileExists(atPath: $0) }
            guard let server, files.isExecutableFile(atPath: python), files.fileExists(atPath: server) else { return nil }
            return LocalWhisperInstallation(python: python, server: server, model: model)
        }
        for root in roots(executable: executable) {
            let python = root + "/" + venv + "/bin/python"
            let server = environment.optional("LOCAL_WHISPER_SERVER") ?? root + "/" + serverPath
            // The package folder is written last by pip: its presence means a finished install.
            guard files.isExecutableFile(atPath: python), files.fileExists(atPath: server), hasFasterWhisper(venv: root + "/" + venv)
            else { continue }
            return LocalWhisperInstallation(python: python, server: server, model: model)
        }
        return nil
    }

    /// The working directory and the executable's folder, each with its ancestors.
    static func roots(executable: String) -> [String] {
        var roots: [String] = []
        var starts = [FileManager.default.currentDirectoryPath]
        if !executable.isEmpty {
            let url = URL(fileURLWithPath: executable).resolvingSymlinksInPath()
            starts.append(url.deletingLastPathComponent().path)
        }
        for start in starts {
            var url = URL(fileURLWithPath: start).standardizedFileURL
            while true {
                if !roots.contains(url.path) { roots.append(url.path) }
                let parent = url.deletingLastPathComponent()
                if parent.path == url.path { break }
                url = parent
            }
        }
        return roots
    }

    static func hasFasterWhisper(venv: String) -> Bool {
        let lib = venv + "/lib"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []
        return versions.contains { FileManager.default.fileExists(atPath: "\(lib)/\($0)/site-packages/faster_whisper") }
    }
}
