import Foundation
import Testing

/// The folders of `Sources/SchedulerKit` depend on each other one way only (Docs/Architecture.md,
/// "Folders"): a folder uses the names declared in folders of lower layers, never of its own
/// layer's other folders or of higher ones.
///
/// The check reads the sources: every top-level declaration (type, function, constant) belongs to
/// its folder, and a folder depends on another when its code (comments and string literals
/// removed) names one of the other's declarations.
@Suite struct ArchitectureTests {
    /// Bottom first. Folders in one layer are peers and must not use each other.
    static let layers: [[String]] = [
        ["Base"],
        ["Schedule"],
        ["Model"],
        ["Rules"],
        ["Storage"],
        ["Maintenance", "Notifications", "Observability"],
        ["Client", "Wire"],
        ["Declarative"],
        ["Engine"],
    ]

    static var sourceRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/SchedulerKit")
    }

    @Test func everyFolderHasALayer() throws {
        let placed = Set(Self.layers.flatMap { $0 })
        let folders = Set(try Self.sources().map(\.folder))
        #expect(folders.subtracting(placed).isEmpty, "place these folders in ArchitectureTests.layers and Docs/Architecture.md")
        #expect(placed.subtracting(folders).isEmpty, "these layers name folders that no longer exist")
    }

    @Test func foldersDependOnLowerLayersOnly() throws {
        let layerOf = Dictionary(uniqueKeysWithValues: Self.layers.enumerated().flatMap { i, fs in fs.map { ($0, i) } })
        var violations: [String] = []
        for (from, to, names) in try Self.dependencies() {
            guard let a = layerOf[from], let b = layerOf[to] else { continue }
            if b >= a { violations.append("\(from) -> \(to): \(names.sorted().prefix(6).joined(separator: ", "))") }
        }
        #expect(violations.isEmpty, "dependencies against the layering:\n\(violations.joined(separator: "\n"))")
    }

    /// The check itself finds a dependency (it would pass on an empty graph otherwise).
    @Test func theCheckSeesKnownDependencies() throws {
        let edges = try Self.dependencies()
        #expect(edges.contains { $0.0 == "Engine" && $0.1 == "Storage" && $0.2.contains("JobStore") })
        #expect(edges.contains { $0.0 == "Storage" && $0.1 == "Rules" && $0.2.contains("EndingDecision") })
        #expect(edges.contains { $0.0 == "Model" && $0.1 == "Schedule" && $0.2.contains("CronExpression") })
    }

    // MARK: - Reading the sources

    struct Source {
        var folder: String
        var code: String
    }

    static func sources() throws -> [Source] {
        let root = sourceRoot
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var out: [Source] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            let relative = url.path.dropFirst(root.path.count + 1)
            let parts = relative.split(separator: "/")
            let folder = parts.count > 1 ? String(parts[0]) : "."
            out.append(Source(folder: folder, code: stripped(try String(contentsOf: url, encoding: .utf8))))
        }
        return out
    }

    /// The code without comments and string literals (interpolations go too: they name values,
    /// and what they name is also used elsewhere in the code).
    static func stripped(_ text: String) -> String {
        var s = text.replacing(#/"""[\s\S]*?"""/#, with: "\"\"")
        s = s.replacing(#/\/\*[\s\S]*?\*\//#, with: "")
        s = s.replacing(#/\/\/[^\n]*/#, with: "")
        s = s.replacing(#/"(?:\\.|[^"\\\n])*"/#, with: "\"\"")
        return s
    }

    /// `(from, to, names)`: the folder `from` names these declarations of `to`.
    static func dependencies() throws -> [(String, String, Set<String>)] {
        let sources = try sources()
        let declaration = #/^(?:@\w+(?:\([^)\n]*\))?\s+)*(?:(?:public|internal|private|fileprivate|package|final|open|indirect|nonisolated)\s+)*(?:class|struct|enum|protocol|actor|typealias|func|let|var)\s+([A-Za-z_]\w*)/#
        var owners: [String: Set<String>] = [:]
        for source in sources {
            for line in source.code.split(separator: "\n") {
                if let m = line.prefixMatch(of: declaration) { owners[String(m.1), default: []].insert(source.folder) }
            }
        }
        var edges: [String: [String: Set<String>]] = [:]
        for source in sources {
            let names = Set(source.code.matches(of: #/[A-Za-z_]\w*/#).map { String($0.output) })
            for name in names {
                guard let folders = owners[name], !folders.contains(source.folder) else { continue }
                for to in folders { edges[source.folder, default: [:]][to, default: []].insert(name) }
            }
        }
        return edges.flatMap { from, tos in tos.map { (from, $0.key, $0.value) } }
    }
}
