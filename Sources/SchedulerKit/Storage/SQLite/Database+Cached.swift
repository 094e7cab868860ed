import GRDB

// The store's statements are compiled once per connection and reused: compiling (with GRDB's
// authorizer and region tracking) costs more than running them. These helpers mirror GRDB's
// `fetchOne(db, sql:arguments:)`/`execute(sql:arguments:)` with the statement cache.

extension Database {
    /// Executes one statement through the connection's statement cache.
    func execute(cached sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

extension Row {
    static func fetchAll(cached db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func fetchOne(cached db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

extension DatabaseValueConvertible where Self: StatementColumnConvertible {
    static func fetchAll(cached db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Self] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func fetchOne(cached db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

extension Database {
    /// Decodes each row of a cached statement in place (no copy of the row's values), through
    /// `decode`, which must not keep the row.
    func decodeAll<T>(cached sql: String, arguments: StatementArguments = StatementArguments(), _ decode: (Row) throws -> T) throws -> [T] {
        let cursor = try Row.fetchCursor(cachedStatement(sql: sql), arguments: arguments)
        var out: [T] = []
        while let row = try cursor.next() { out.append(try decode(row)) }
        return out
    }

    /// The first row of a cached statement, decoded in place; nil when there is none.
    func decodeOne<T>(cached sql: String, arguments: StatementArguments = StatementArguments(), _ decode: (Row) throws -> T) throws -> T? {
        let cursor = try Row.fetchCursor(cachedStatement(sql: sql), arguments: arguments)
        guard let row = try cursor.next() else { return nil }
        return try decode(row)
    }
}
