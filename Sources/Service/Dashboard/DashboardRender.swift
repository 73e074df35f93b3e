import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import Pipeline

/// The dashboard's templates, parsed once. Every value is inserted with `{{ }}`, which escapes
/// `< > & " '`; the templates have no `{{{ }}}` at all, so user content (file names, texts,
/// transcripts, error messages) always renders as text.
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in DashboardTemplateText.all {
            do {
                try library.register(text, named: name)
            } catch {
                fatalError("dashboard template \(name) does not parse: \(error)")
            }
        }
        return library
    }()
}

extension APIServer {
    /// The Content-Security-Policy of every page: scripts only from this server's files (no
    /// inline script, no `eval`), no plug-ins, no framing, forms only to this server.
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    /// An HTML page: `template` inside the layout (header, navigation, sign-out form).
    func render(_ template: String, status: HTTPResponse.Status = .ok, user: DashboardUser?, title: String,
                _ values: [String: Any]) throws -> Response {
        var context = values
        context["title"] = title
        context["page"] = template
        context["nav_" + template] = true
        if let user {
            context["signedIn"] = true
            context["tenant"] = user.session.tenant
            context["csrf"] = user.session.csrf
            context["readOnly"] = user.session.readOnly
            context["canWrite"] = !user.session.readOnly
        }
        guard let html = DashboardTemplates.library.render(context, withTemplate: template) else {
            throw Problem(.internalServerError, "internal", "the page template \(template) is missing")
        }
        return Response(status: status, headers: Self.pageHeaders(contentType: "text/html; charset=utf-8"),
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func pageHeaders(contentType: String) -> HTTPFields {
        [
            .contentType: contentType, .cacheControl: "no-store", .contentSecurityPolicy: contentSecurityPolicy,
            .contentTypeOptions: "nosniff", .referrerPolicy: "same-origin", .frameOptions: "DENY",
        ]
    }

    /// `/static/dashboard.js` and `/static/dashboard.css`, from the binary.
    func staticFile(_ request: Request, _ context: APIContext) throws -> Response {
        let name = context.parameters.get("file") ?? ""
        guard let file = DashboardStatic.files[name] else { throw Problem.notFound("static file \(name)") }
        var headers = Self.pageHeaders(contentType: file.contentType)
        headers[.cacheControl] = "no-cache"
        headers[.eTag] = file.eTag
        if request.headers[.ifNoneMatch] == file.eTag { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: file.text)))
    }
}

/// The small script and style sheet the pages load (no build step, no CDN).
enum DashboardStatic {
    struct File: Sendable {
        let text: String
        let contentType: String
        let eTag: String
    }

    static let files: [String: File] = [
        "dashboard.js": file(DashboardScript.text, "text/javascript; charset=utf-8"),
        "dashboard.css": file(DashboardStyle.text, "text/css; charset=utf-8"),
    ]

    private static func file(_ text: String, _ contentType: String) -> File {
        File(text: text, contentType: contentType, eTag: "\"" + String(APIServer.digest([text]).prefix(16)) + "\"")
    }
}

/// How the pages show times and durations.
enum DashboardFormat {
    static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        return Date.ISO8601FormatStyle().format(date).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    static func isoTime(_ date: Date?) -> String { date.map { Date.ISO8601FormatStyle().format($0) } ?? "" }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "" }
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \((total % 3600) / 60) min"
    }

    /// A media position as `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let total = max(0, Int(seconds))
        let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    static func bytes(_ count: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: count, countStyle: .file)
    }
}
