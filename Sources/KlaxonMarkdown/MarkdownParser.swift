internal import CCmarkGFM
import Foundation
import KlaxonCore

/// Parses GitHub-flavoured markdown with cmark-gfm (tables, task lists, strikethrough, autolinks,
/// footnotes) into `MarkdownNode`. The cmark tree is freed before this returns.
public enum MarkdownParser {
    private static let registered: Void = { cmark_gfm_core_extensions_ensure_registered() }()

    /// cmark-gfm is not safe to run in two threads at once: extensions add their characters to a global
    /// table of special characters while a parser works and remove them when it is freed, so a parser
    /// freed in one thread makes another miss `~~strikethrough~~` and autolinks (cmark-gfm pull request
    /// 176, still open). Parses take turns.
    private static let lock = NSLock()

    public static func parse(_ text: String) -> MarkdownNode {
        lock.withLock { parseAlone(text) }
    }

    private static func parseAlone(_ text: String) -> MarkdownNode {
        _ = registered
        let options = CMARK_OPT_DEFAULT | CMARK_OPT_FOOTNOTES | CMARK_OPT_UNSAFE
        guard let parser = cmark_parser_new(options) else { return MarkdownNode(.document) }
        defer { cmark_parser_free(parser) }
        for name in ["table", "tasklist", "strikethrough", "autolink"] {
            if let extensionPointer = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, extensionPointer)
            }
        }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                cmark_parser_feed(parser, chars.baseAddress, chars.count)
            }
        }
        guard let root = cmark_parser_finish(parser) else { return MarkdownNode(.document) }
        defer { cmark_node_free(root) }
        return convert(root)
    }

    /// Nodes nested deeper than this keep only their text, as leaves of the deepest node kept: the
    /// tree's depth is then bounded whatever the input (Swift frees nested values recursively, and
    /// `> > > …` a hundred thousand times deep would exhaust the stack).
    public static let maximumDepth = 100

    /// Converts the document's top-level blocks on every core: reading a finished cmark tree from several
    /// threads is safe (each node's literal is made once, by the one thread that reads that node), and
    /// for a long runbook the conversion costs half as much again as cmark's own parse.
    private static func convert(_ root: OpaquePointer) -> MarkdownNode {
        var blocks: [OpaquePointer] = []
        var next = cmark_node_first_child(root)
        while let block = next {
            blocks.append(block)
            next = cmark_node_next(block)
        }
        var document = MarkdownNode(.document)
        let cores = min(8, ProcessInfo.processInfo.activeProcessorCount)
        guard cores > 1, blocks.count >= 256 else {
            document.children = blocks.map { convert($0, ancestors: 1) }
            return document
        }
        let parts = UnsafeMutableBufferPointer<[MarkdownNode]>.allocate(capacity: cores)
        parts.initialize(repeating: [])
        defer {
            parts.deinitialize()
            parts.deallocate()
        }
        nonisolated(unsafe) let slots = parts
        nonisolated(unsafe) let shared = blocks
        DispatchQueue.concurrentPerform(iterations: cores) { part in
            let range = (shared.count * part / cores)..<(shared.count * (part + 1) / cores)
            slots[part] = shared[range].map { convert($0, ancestors: 1) }
        }
        document.children = parts.flatMap { $0 }
        return document
    }

    /// Walks one subtree with cmark's iterator and an explicit stack, so deep nesting cannot exhaust
    /// ours; `ancestors` is how deep the subtree's root sits.
    private static func convert(_ root: OpaquePointer, ancestors: Int) -> MarkdownNode {
        guard let iterator = cmark_iter_new(root) else { return MarkdownNode(.document) }
        defer { cmark_iter_free(iterator) }
        var stack: [MarkdownNode] = []
        var result = MarkdownNode(.document)
        var flattened = 0  // containers entered beyond maximumDepth and not yet left
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            if event == CMARK_EVENT_ENTER {
                let converted = MarkdownNode(kind(of: node))
                if stack.count + ancestors >= maximumDepth {
                    if isLeaf(node) {
                        let text = converted.plainText
                        if !text.isEmpty { stack[stack.count - 1].children.append(MarkdownNode(.text(text))) }
                    } else {
                        flattened += 1
                    }
                } else if isLeaf(node) {
                    if stack.isEmpty { result = converted } else { stack[stack.count - 1].children.append(converted) }
                } else {
                    stack.append(converted)
                }
            } else if event == CMARK_EVENT_EXIT {
                if flattened > 0 {
                    flattened -= 1
                    continue
                }
                let finished = stack.removeLast()
                if stack.isEmpty { result = finished } else { stack[stack.count - 1].children.append(finished) }
            }
        }
        return result
    }

    /// Leaf nodes get an enter event and no exit event from cmark's iterator.
    private static func isLeaf(_ node: OpaquePointer) -> Bool {
        switch cmark_node_get_type(node) {
        case CMARK_NODE_HTML_BLOCK, CMARK_NODE_THEMATIC_BREAK, CMARK_NODE_CODE_BLOCK, CMARK_NODE_TEXT,
            CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK, CMARK_NODE_CODE, CMARK_NODE_HTML_INLINE:
            return true
        default:
            return false
        }
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    private static func kind(of node: OpaquePointer) -> MarkdownNode.Kind {
        let type = cmark_node_get_type(node)
        let literal = string(cmark_node_get_literal(node))
        switch type {
        case CMARK_NODE_DOCUMENT: return .document
        case CMARK_NODE_BLOCK_QUOTE: return .blockQuote
        case CMARK_NODE_LIST:
            return .list(
                ordered: cmark_node_get_list_type(node) == CMARK_ORDERED_LIST,
                start: Int(cmark_node_get_list_start(node)), tight: cmark_node_get_list_tight(node) != 0)
        case CMARK_NODE_ITEM:
            // A task-list item keeps the ITEM type; the extension marks it with the type string "tasklist".
            if string(cmark_node_get_type_string(node)) == "tasklist" {
                return .item(task: cmark_gfm_extensions_get_tasklist_item_checked(node))
            }
            return .item(task: nil)
        case CMARK_NODE_CODE_BLOCK: return .codeBlock(info: string(cmark_node_get_fence_info(node)), literal: literal)
        case CMARK_NODE_HTML_BLOCK: return .htmlBlock(literal)
        case CMARK_NODE_PARAGRAPH: return .paragraph
        case CMARK_NODE_HEADING: return .heading(level: Int(cmark_node_get_heading_level(node)))
        case CMARK_NODE_THEMATIC_BREAK: return .thematicBreak
        case CMARK_NODE_FOOTNOTE_DEFINITION: return .footnoteDefinition(label: literal)
        case CMARK_NODE_TEXT: return .text(literal)
        case CMARK_NODE_SOFTBREAK: return .softBreak
        case CMARK_NODE_LINEBREAK: return .lineBreak
        case CMARK_NODE_CODE: return .code(literal)
        case CMARK_NODE_HTML_INLINE: return .htmlInline(literal)
        case CMARK_NODE_EMPH: return .emphasis
        case CMARK_NODE_STRONG: return .strong
        case CMARK_NODE_LINK:
            return .link(url: string(cmark_node_get_url(node)), title: string(cmark_node_get_title(node)))
        case CMARK_NODE_IMAGE:
            return .image(url: string(cmark_node_get_url(node)), title: string(cmark_node_get_title(node)))
        case CMARK_NODE_FOOTNOTE_REFERENCE: return .footnoteReference(label: literal)
        case klaxon_node_table():
            let columns = Int(cmark_gfm_extensions_get_table_columns(node))
            let raw = cmark_gfm_extensions_get_table_alignments(node)
            let alignments: [MarkdownNode.Alignment] = (0..<columns).map { i in
                switch raw.map({ $0[i] }) ?? 0 {
                case UInt8(ascii: "l"): return .left
                case UInt8(ascii: "c"): return .center
                case UInt8(ascii: "r"): return .right
                default: return .none
                }
            }
            return .table(alignments: alignments)
        case klaxon_node_table_row():
            return .tableRow(isHeader: cmark_gfm_extensions_get_table_row_is_header(node) != 0)
        case klaxon_node_table_cell(): return .tableCell
        case klaxon_node_strikethrough(): return .strikethrough
        default: return .other(string(cmark_node_get_type_string(node)))
        }
    }
}
