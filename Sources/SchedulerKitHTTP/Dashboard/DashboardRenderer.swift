import Foundation
import Mustache

/// The dashboard's templates and assets, read once from the module's resources (nothing is
/// fetched from outside the binary at run time).
struct DashboardRenderer: Sendable {
    private let library: MustacheLibrary
    private let assets: [String: Data]
    private let loadError: String?

    init() {
        var library = MustacheLibrary()
        var assets: [String: Data] = [:]
        var problem: String?
        let fm = FileManager.default
        // The resources were copied as a folder named Resources; find it by a file it holds.
        if let css = Bundle.module.url(forResource: "dashboard", withExtension: "css", subdirectory: "Resources/assets") {
            let base = css.deletingLastPathComponent().deletingLastPathComponent()
            let templates = base.appendingPathComponent("templates")
            for name in ((try? fm.contentsOfDirectory(atPath: templates.path)) ?? []).sorted() where name.hasSuffix(".mustache") {
                do {
                    let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
                    try library.register(text, named: String(name.dropLast(".mustache".count)))
                } catch {
                    problem = "template \(name): \(error)"
                }
            }
            let assetDirectory = base.appendingPathComponent("assets")
            for name in (try? fm.contentsOfDirectory(atPath: assetDirectory.path)) ?? [] {
                assets[name] = fm.contents(atPath: assetDirectory.appendingPathComponent(name).path)
            }
        } else {
            problem = "the module's resources are missing"
        }
        self.library = library
        self.assets = assets
        self.loadError = problem
    }

    /// Renders template `name` with `values` (dictionaries, arrays, strings, booleans).
    func render(_ name: String, _ values: [String: Any]) throws(APIError) -> String {
        if let loadError { throw APIError(.storage, "dashboard templates: \(loadError)") }
        guard let html = library.render(values, withTemplate: name) else {
            throw APIError(.storage, "dashboard template \(name) is missing")
        }
        return html
    }

    /// An asset's bytes and content type.
    func asset(_ name: String) -> (Data, String)? {
        guard let data = assets[name] else { return nil }
        let type =
            if name.hasSuffix(".js") { "text/javascript; charset=utf-8" }
            else if name.hasSuffix(".css") { "text/css; charset=utf-8" }
            else { "application/octet-stream" }
        return (data, type)
    }
}
