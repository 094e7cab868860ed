import Foundation
import Yams

/// The YAML form of a document: read into the same ordered tree as JSON, written from it.
///
/// Scalars are typed by YAML's own rules (a quoted `"30"` is a string, a plain `30` a number,
/// an unquoted time a timestamp read as its text); strings that would read back as something
/// else are written quoted, so what export writes is what apply reads.
enum DocumentYAML {
    /// Parses `text`; an empty document is `null`.
    ///
    /// - throws: a ``JobsDocumentError`` with the line and column of a syntax error.
    static func tree(_ text: String) throws(JobsDocumentError) -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw JobsDocumentError([JobsDocumentProblem(field: "", message: "YAML: " + describe(error))])
        }
        guard let node else { return .null }
        return try value(node)
    }

    /// Block-style YAML, two-space indent, keys in the tree's order, ending with a newline.
    static func text(_ tree: JSONValue) throws -> String {
        try Yams.serialize(node: node(tree), indent: 2, width: -1, allowUnicode: true)
    }

    private static func value(_ node: Node) throws(JobsDocumentError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map { .bool($0) } ?? .string(scalar.string)
            case .int: return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
            case .float: return node.float.map { .double($0) } ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try value(item)) }
            return .array(items)
        case .mapping(let mapping):
            var members: [(String, JSONValue)] = []
            for (key, item) in mapping {
                guard case .scalar(let k) = key else {
                    throw JobsDocumentError([problem(key, "a key must be a plain string")])
                }
                members.append((k.string, try value(item)))
            }
            return .object(members)
        case .alias:
            throw JobsDocumentError([problem(node, "aliases are not supported; write the value out")])
        }
    }

    private static func problem(_ node: Node, _ message: String) -> JobsDocumentProblem {
        let place = node.mark.map { "line \($0.line), column \($0.column): " } ?? ""
        return JobsDocumentProblem(field: "", message: "YAML: " + place + message)
    }

    private static func node(_ tree: JSONValue) -> Node {
        switch tree {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .int(let n): return Node(String(n), Tag(.int))
        case .double(let d): return Node(JSONValue.double(d).serialized(), Tag(.float))
        case .string(let s):
            // A plain scalar that YAML would read as a number, a boolean, null or a time is quoted.
            let plain = Resolver.default.resolveTag(of: Node(s))
            return Node(s, Tag(.str), plain == .str ? .any : .doubleQuoted)
        case .array(let items): return Node(items.map(node), Tag(.seq), .block)
        case .object(let members): return Node(members.map { (Node($0.0, Tag(.str)), node($0.1)) }, Tag(.map), .block)
        }
    }

    /// One line from a Yams error: where, and what.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? YamlError else { return String(describing: error) }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): " + [context?.text, problem].compactMap { $0 }.joined(separator: " ")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "line \(context.mark.line): key \(duplicates.joined(separator: ", ")) given twice"
        case .reader(let problem, _, _, _):
            return problem
        default:
            return String(describing: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "unreadable"
        }
    }
}
