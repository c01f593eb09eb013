/// A markdown document as Klaxon's own value tree, converted once from cmark-gfm's tree (which is
/// freed at that boundary). Layout and rendering work on this, never on C pointers.
public struct MarkdownNode: Hashable, Sendable {
    public enum Alignment: Hashable, Sendable { case none, left, center, right }

    public enum Kind: Hashable, Sendable {
        case document
        case blockQuote
        case list(ordered: Bool, start: Int, tight: Bool)
        /// `task` is nil for a plain item, true/false for a ticked/unticked task-list item.
        case item(task: Bool?)
        case codeBlock(info: String, literal: String)
        case htmlBlock(String)
        case paragraph
        case heading(level: Int)
        case thematicBreak
        case table(alignments: [Alignment])
        case tableRow(isHeader: Bool)
        case tableCell
        case footnoteDefinition(label: String)
        case text(String)
        case softBreak
        case lineBreak
        case code(String)
        case htmlInline(String)
        case emphasis
        case strong
        case strikethrough
        case link(url: String, title: String)
        case image(url: String, title: String)
        case footnoteReference(label: String)
        /// A node type this version does not know, by cmark's name for it.
        case other(String)
    }

    public var kind: Kind
    public var children: [MarkdownNode]

    public init(_ kind: Kind, _ children: [MarkdownNode] = []) {
        self.kind = kind
        self.children = children
    }

    /// The text of this node and its descendants, without markup. Iterative: nesting depth is the
    /// input's to choose, and must not be able to exhaust the stack.
    public var plainText: String {
        var result = ""
        var stack = [self]
        while let node = stack.popLast() {
            switch node.kind {
            case .text(let s), .code(let s): result += s
            case .codeBlock(_, let literal): result += literal
            case .softBreak, .lineBreak: result += " "
            default: stack.append(contentsOf: node.children.reversed())
            }
        }
        return result
    }

    /// Every node of the tree in document order, this one first.
    public var allNodes: [MarkdownNode] {
        var result: [MarkdownNode] = []
        var stack = [self]
        while let node = stack.popLast() {
            result.append(node)
            stack.append(contentsOf: node.children.reversed())
        }
        return result
    }
}
