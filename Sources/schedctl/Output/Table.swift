/// An aligned text table: columns separated by two spaces, no trailing blanks, widths measured
/// on the visible text so colour never breaks alignment.
struct Table {
    struct Cell {
        var text: String
        var color: Style.Color?
        /// Characters shown: counted once (a table of 10,000 jobs has 50,000 cells), and for
        /// ASCII text, the common case, without walking grapheme clusters.
        let width: Int
        init(_ text: String, _ color: Style.Color? = nil) {
            self.text = text
            self.color = color
            let utf8 = text.utf8
            width = utf8.allSatisfy { $0 < 0x80 } ? utf8.count : text.count
        }
    }

    var headers: [String]
    var rows: [[Cell]] = []

    init(_ headers: [String]) { self.headers = headers }

    mutating func add(_ cells: [Cell]) { rows.append(cells) }
    mutating func add(_ texts: String...) { rows.append(texts.map { Cell($0) }) }

    /// The table as text, one line per row and a final newline.
    func rendered(style: Style, header: Bool = true) -> String {
        var widths = header ? headers.map(\.count) : headers.map { _ in 0 }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], cell.width)
            }
        }
        var out = ""
        out.reserveCapacity((widths.reduce(0, +) + 2 * widths.count + 1) * (rows.count + 1))
        func line(_ cells: [Cell]) {
            // Cells are padded only up to the last one that shows text: no trailing blanks.
            let shown = cells.lastIndex { !$0.text.isEmpty } ?? -1
            for (i, cell) in cells.enumerated() where i <= shown {
                if i > 0 { out += "  " }
                out += style.paint(cell.text, cell.color)
                if i < shown, i < widths.count, widths[i] > cell.width {
                    out += String(repeating: " ", count: widths[i] - cell.width)
                }
            }
            while out.utf8.last == 0x20 { out.removeLast() }
            out += "\n"
        }
        if header { line(headers.map { Cell($0, .bold) }) }
        for row in rows { line(row) }
        return out
    }
}
