/// An aligned text table: columns separated by two spaces, no trailing blanks, widths measured
/// on the visible text so colour never breaks alignment.
struct Table {
    struct Cell {
        var text: String
        var color: Style.Color?
        init(_ text: String, _ color: Style.Color? = nil) {
            self.text = text
            self.color = color
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
                widths[i] = max(widths[i], cell.text.count)
            }
        }
        var out = ""
        out.reserveCapacity((widths.reduce(0, +) + 2 * widths.count + 1) * (rows.count + 1))
        func line(_ cells: [Cell]) {
            var text = ""
            for (i, cell) in cells.enumerated() {
                if i > 0 { text += "  " }
                text += style.paint(cell.text, cell.color)
                if i < cells.count - 1, i < widths.count, widths[i] > cell.text.count {
                    text += String(repeating: " ", count: widths[i] - cell.text.count)
                }
            }
            while text.last == " " { text.removeLast() }
            out += text
            out += "\n"
        }
        if header { line(headers.map { Cell($0, .bold) }) }
        for row in rows { line(row) }
        return out
    }
}
