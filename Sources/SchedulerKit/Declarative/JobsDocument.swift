import Foundation

/// The declarative form of a store's shell jobs and their alerts (SPEC §11): what
/// `schedctl export` writes and `schedctl apply` reads, in YAML or JSON.
///
/// It carries configuration only (no ids, statuses, streaks or times of runs), so applying it
/// to another store moves the jobs, and applying it twice changes nothing. Secrets never
/// appear: an alert names the environment variable that holds its secret (`secret_env`).
///
/// For example:
/// ```swift
/// let document = try JobsDocument.decode(Data(yaml.utf8), format: .yaml)
/// let plan = try await client.apply(document, options: ApplyOptions(dryRun: true))
/// ```
///
/// Encoding writes the keys in the order of SPEC §11, every key present (null when unset);
/// decoding goes through ``decode(_:format:environment:)``'s reader, so a `Decoder` reports
/// every problem at once as a ``JobsDocumentError``.
public struct JobsDocument: Sendable, Hashable, Codable {
    public var jobs: [DeclaredJob]

    public init(jobs: [DeclaredJob] = []) {
        self.jobs = jobs
    }

    /// The text forms a document is read from and written in.
    public enum Format: String, Sendable, CaseIterable {
        case yaml
        case json
    }

    public init(from decoder: any Decoder) throws {
        let tree = try DocumentTree.decode(from: decoder)
        self = try JobsDocumentReader.read(tree, environment: nil)
    }

    public func encode(to encoder: any Encoder) throws {
        try DocumentTree.encode(tree, to: encoder)
    }

    /// The document as an ordered JSON tree, keys in the order of SPEC §11.
    public var tree: JSONValue {
        .object([("jobs", .array(jobs.map(\.tree)))])
    }

    /// The document as text: YAML (block style) or pretty-printed JSON, ending with a newline.
    public func text(_ format: Format) throws -> String {
        switch format {
        case .json: tree.serialized(pretty: true) + "\n"
        case .yaml: try DocumentYAML.text(tree)
        }
    }

    /// Reads a document, listing every problem of every job at once.
    ///
    /// - parameters:
    ///   - data: UTF-8 text; YAML, or JSON (JSON is also valid YAML, but the JSON reader gives
    ///     better messages for JSON input).
    ///   - format: which reader to use.
    ///   - environment: when given, each `secret_env` must name a variable set in it.
    /// - throws: ``JobsDocumentError`` with every problem, each naming its job and field.
    public static func decode(
        _ data: Data, format: Format, environment: [String: String]? = nil
    ) throws(JobsDocumentError) -> JobsDocument {
        guard let text = String(data: data, encoding: .utf8) else {
            throw JobsDocumentError([JobsDocumentProblem(field: "", message: "not UTF-8 text")])
        }
        let tree: JSONValue
        switch format {
        case .json:
            do {
                tree = try JSONValue.parse(text)
            } catch {
                throw JobsDocumentError([JobsDocumentProblem(field: "", message: error.message)])
            }
        case .yaml:
            tree = try DocumentYAML.tree(text)
        }
        return try JobsDocumentReader.read(tree, environment: environment)
    }

    /// The format of `data` when none is given: JSON when it starts with `{` or `[`, else YAML.
    public static func sniffFormat(_ data: Data) -> Format {
        for byte in data {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): return .json
            default: return .yaml
            }
        }
        return .yaml
    }
}
