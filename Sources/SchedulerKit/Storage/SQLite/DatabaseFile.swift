import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Inspects a database file by reading its 100-byte SQLite header directly, so that a file that
/// is not ours, or is newer than this build, is refused without SQLite ever touching it.
enum DatabaseFile {
    /// `PRAGMA application_id` of SchedulerKit databases: "SCHK".
    static let applicationID: Int32 = 0x5343_484B

    enum State: Equatable {
        /// No file, or an empty one: create the schema.
        case new
        /// A SchedulerKit database at this schema version (`PRAGMA user_version`).
        case schedulerKit(version: Int32)
        /// A SQLite database with no schema and no application id (being created).
        case emptySQLite
    }

    /// Creates the file with mode 0600 when it does not exist.
    ///
    /// - throws: `.storage` when the directory is missing or not writable.
    static func createIfMissing(_ path: String) throws(SchedulerError) {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
            return
        }
        let err = errno
        if err == EEXIST { return }
        let dir = (path as NSString).deletingLastPathComponent
        if err == ENOENT {
            throw SchedulerError(.storage, "cannot create database \(path): directory \(dir.isEmpty ? "." : dir) does not exist")
        }
        throw SchedulerError(.storage, "cannot create database \(path): \(String(cString: strerror(err)))")
    }

    /// Reads the header of a database that must exist already (read-only opening): a missing
    /// or empty file is an error rather than a database to create.
    ///
    /// - throws: `.storage` as ``inspect(_:knownVersion:)`` does, and for a missing or empty file.
    static func inspectExisting(_ path: String, knownVersion: Int32) throws(SchedulerError) -> State {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let err = errno
            if err == ENOENT || err == ENOTDIR {
                throw SchedulerError(
                    .storage, "no database at \(path)",
                    remedy: .createDatabase)
            }
            throw SchedulerError(.storage, "cannot read database \(path): \(String(cString: strerror(err)))")
        }
        let state = try inspect(path, knownVersion: knownVersion)
        if state == .new {
            throw SchedulerError(
                .storage, "\(path) is empty, not a SchedulerKit database (yet)",
                remedy: .giveSchema)
        }
        return state
    }

    /// Reads the header and says what the file is.
    ///
    /// - throws: `.storage` for a file that is not SQLite, a foreign SQLite database, or a newer schema.
    static func inspect(_ path: String, knownVersion: Int32) throws(SchedulerError) -> State {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            if !FileManager.default.fileExists(atPath: path) { return .new }
            throw SchedulerError(.storage, "cannot read database \(path): permission denied")
        }
        defer { try? handle.close() }
        let header: Data
        do { header = try handle.read(upToCount: 100) ?? Data() } catch {
            throw SchedulerError(.storage, "cannot read database \(path): \(error.localizedDescription)")
        }
        if header.isEmpty { return .new }
        let magic = Data("SQLite format 3\0".utf8)
        guard header.count == 100, header.prefix(16) == magic else {
            throw SchedulerError(
                .storage, "\(path) is not a SchedulerKit database (not an SQLite file)",
                remedy: .otherPath)
        }
        func int32(at offset: Int) -> Int32 {
            let b = [UInt8](header[offset..<offset + 4])
            return Int32(bitPattern: UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3]))
        }
        let appID = int32(at: 68)
        let userVersion = int32(at: 60)
        let schemaCookie = int32(at: 40)
        if appID == applicationID {
            guard userVersion <= knownVersion else {
                throw SchedulerError(
                    .storage,
                    "\(path) was written by a newer SchedulerKit (schema \(userVersion); this build knows up to \(knownVersion))",
                    remedy: .upgradeProgram)
            }
            return .schedulerKit(version: userVersion)
        }
        if appID == 0 && schemaCookie == 0 { return .emptySQLite }
        throw SchedulerError(
            .storage, "\(path) is not a SchedulerKit database (it is another application's SQLite file)",
            remedy: .otherPath)
    }
}
