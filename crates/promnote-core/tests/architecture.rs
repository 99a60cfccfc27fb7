//! The core's shape, kept: five layers in folders (`time`, `api`, `report`, `data`,
//! `run`), where a module uses only its own layer and the layers before it, no modules
//! use each other in a circle, every file says what it owns (`//!`), and no file passes
//! 1,000 lines, tests included. Each failure names the file, the line and the path.
//!
//! The check reads the sources: every `crate::`, `super::` and `self::` path in code
//! (comments, strings and characters skipped), braces expanded, resolved to the module
//! it reaches, through a folder's `pub use` where it names a re-exported item.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, first to last: a module may use its own layer and those before it.
const LAYERS: [&str; 5] = ["time", "api", "report", "data", "run"];

/// The most lines a file of the core may have, tests included.
const MAX_LINES: usize = 1000;

/// A module of the crate, as its path below the root (`["api", "error"]`).
type Module = Vec<String>;

struct Source {
    file: PathBuf,
    module: Module,
    /// A folder's `mod.rs` (its children are `module` + name).
    folder: bool,
    code: String,
    lines: usize,
    documented: bool,
}

#[test]
fn layers_hold_and_no_modules_use_each_other_in_a_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = read_sources(&root);
    let problems = check(&sources);
    assert!(problems.is_empty(), "the core's architecture is broken:\n- {}", problems.join("\n- "));
}

#[test]
fn the_check_finds_an_upward_import_and_a_circle() {
    let source = |module: &[&str], folder: bool, code: &str| Source {
        file: PathBuf::from(format!("{}.rs", module.join("/"))),
        module: module.iter().map(|s| (*s).to_owned()).collect(),
        folder,
        code: strip(code),
        lines: 3,
        documented: true,
    };
    let sources = vec![
        source(&["time"], true, "pub mod clock;\npub use clock::WallClock;"),
        source(
            &["time", "clock"],
            false,
            "use crate::run::machine::Next;\n// crate::data::x is a comment\nlet s = \"crate::data::y\";",
        ),
        source(&["run"], true, "pub mod machine;"),
        source(&["run", "machine"], false, "use crate::time::WallClock;\nuse super::{cell, variables::X};"),
        source(&["run", "cell"], false, "fn f() { super::machine::go(); }"),
        source(&["run", "variables"], false, "use crate::run::{machine::Next, cell};"),
    ];
    let problems = check(&sources);
    assert!(
        problems.iter().any(|p| p.contains("time/clock.rs:1 uses crate::run::machine::Next")
            && p.contains("time (layer 1) may not use run (layer 5)")),
        "{problems:#?}"
    );
    assert!(
        !problems.iter().any(|p| p.contains("crate::data")),
        "comments and strings are not code: {problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("circle") && p.contains("run::cell") && p.contains("run::machine")),
        "{problems:#?}"
    );
}

fn read_sources(root: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    collect(root, &mut files);
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(root).expect("below src/");
            let mut module: Module = relative
                .iter()
                .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
                .collect();
            let folder = module.last().is_some_and(|last| last == "mod" || last == "lib");
            if folder {
                module.pop();
            }
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            Source {
                module,
                folder,
                lines: text.lines().count(),
                documented: text.trim_start().starts_with("//!"),
                code: strip(&text),
                file: relative.to_path_buf(),
            }
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("a readable folder").map(|e| e.expect("an entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Every problem with the sources, in words.
fn check(sources: &[Source]) -> Vec<String> {
    let modules: BTreeSet<&Module> = sources.iter().map(|s| &s.module).collect();
    // A folder's re-exported names: (folder, name) → the child module they come from.
    let mut exported: BTreeMap<(Module, String), Module> = BTreeMap::new();
    for s in sources.iter().filter(|s| s.folder) {
        for (child, names) in re_exports(&s.code) {
            let mut from = s.module.clone();
            from.push(child);
            for name in names {
                exported.insert((s.module.clone(), name), from.clone());
            }
        }
    }
    let mut problems = Vec::new();
    // Edges between modules, each with where it is written first.
    let mut edges: BTreeMap<(Module, Module), String> = BTreeMap::new();
    for s in sources {
        if s.lines > MAX_LINES {
            problems.push(format!(
                "src/{} has {} lines; split it (at most {MAX_LINES})",
                s.file.display(),
                s.lines
            ));
        }
        if !s.documented {
            problems
                .push(format!("src/{} does not start with a //! line saying what it owns", s.file.display()));
        }
        for (line, depth, path) in paths(&s.code) {
            let Some(target) = resolve(s, depth, &path, &modules, &exported) else {
                problems.push(format!(
                    "src/{}:{line} uses {}, which names no module of the crate nor an item a folder re-exports",
                    s.file.display(),
                    path.join("::")
                ));
                continue;
            };
            let at = format!("src/{}:{line} uses {}", s.file.display(), path.join("::"));
            let (from, to) = (layer(&s.module), layer(&target));
            if let (Some(from), Some(to)) = (from, to) {
                if to > from {
                    problems.push(format!(
                        "{at}: {} (layer {}) may not use {} (layer {})",
                        LAYERS[from],
                        from + 1,
                        LAYERS[to],
                        to + 1
                    ));
                }
            }
            if target != s.module && !s.module.starts_with(&target) {
                edges.entry((s.module.clone(), target)).or_insert(at);
            }
        }
    }
    for circle in circles(&edges) {
        let names: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
        let mut how = Vec::new();
        for (i, from) in circle.iter().enumerate() {
            let to = &circle[(i + 1) % circle.len()];
            if let Some(at) = edges.get(&(from.clone(), to.clone())) {
                how.push(at.clone());
            }
        }
        problems.push(format!("a circle: {} ({})", names.join(" → "), how.join("; ")));
    }
    problems
}

/// The index in [`LAYERS`] of a module's layer (`None` for the crate root).
fn layer(module: &Module) -> Option<usize> {
    let first = module.first()?;
    LAYERS.iter().position(|l| l == first)
}

/// The module a path reaches from `source`: as deep as its segments name modules, then
/// through a folder's re-export of the next segment, if any.
fn resolve(
    source: &Source,
    inline_depth: usize,
    path: &[String],
    modules: &BTreeSet<&Module>,
    exported: &BTreeMap<(Module, String), Module>,
) -> Option<Module> {
    let (start, rest) = path.split_first()?;
    let mut at: Module = match start.as_str() {
        "crate" => Vec::new(),
        "self" => source.module.clone(),
        // Inside an inline module, the first `super` is the file's own module.
        "super" if inline_depth > 0 => source.module.clone(),
        "super" => {
            let mut parent = source.module.clone();
            parent.pop();
            parent
        }
        _ => return None,
    };
    for segment in rest {
        if segment == "super" {
            at.pop();
            continue;
        }
        let mut deeper = at.clone();
        deeper.push(segment.clone());
        if modules.contains(&deeper) {
            at = deeper;
            continue;
        }
        if let Some(child) = exported.get(&(at.clone(), segment.clone())) {
            return Some(child.clone());
        }
        // An item of `at` itself (a function, a type, `*`, `self`); the crate root
        // holds none.
        return (!at.is_empty()).then_some(at);
    }
    modules.contains(&at).then_some(at)
}

/// The circles among modules: each strongly connected group of more than one module, in
/// the order its edges run (Tarjan's algorithm).
fn circles(edges: &BTreeMap<(Module, Module), String>) -> Vec<Vec<Module>> {
    let mut nodes: BTreeSet<&Module> = BTreeSet::new();
    for (from, to) in edges.keys() {
        nodes.insert(from);
        nodes.insert(to);
    }
    let nodes: Vec<&Module> = nodes.into_iter().collect();
    let index_of = |m: &Module| nodes.iter().position(|n| *n == m).expect("a node");
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (from, to) in edges.keys() {
        next[index_of(from)].push(index_of(to));
    }
    struct Tarjan {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        counter: usize,
        groups: Vec<Vec<usize>>,
    }
    fn visit(t: &mut Tarjan, next: &[Vec<usize>], v: usize) {
        t.index[v] = Some(t.counter);
        t.low[v] = t.counter;
        t.counter += 1;
        t.stack.push(v);
        t.on_stack[v] = true;
        for &w in &next[v] {
            match t.index[w] {
                None => {
                    visit(t, next, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(i) if t.on_stack[w] => t.low[v] = t.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut group = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on_stack[w] = false;
                group.push(w);
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.reverse();
                t.groups.push(group);
            }
        }
    }
    let n = nodes.len();
    let mut t = Tarjan {
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        counter: 0,
        groups: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, &next, v);
        }
    }
    // Within each group, one circle through its first module (breadth first: the shortest).
    let mut found = Vec::new();
    for group in t.groups {
        let start = group[0];
        let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        'search: while let Some(v) = queue.pop_front() {
            for &w in &next[v] {
                if !group.contains(&w) || came_from.contains_key(&w) {
                    continue;
                }
                came_from.insert(w, v);
                if w == start {
                    break 'search;
                }
                queue.push_back(w);
            }
        }
        let mut circle = vec![start];
        let mut at = came_from.get(&start).copied();
        while let Some(v) = at.filter(|v| *v != start) {
            circle.push(v);
            at = came_from.get(&v).copied();
        }
        circle[1..].reverse();
        found.push(circle.into_iter().map(|i| nodes[i].clone()).collect());
    }
    found
}

/// A folder's `pub use child::{A, B};` and `pub use child::A;`: (child, names).
fn re_exports(code: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for statement in code.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else { continue };
        let Some((child, names)) = rest.split_once("::") else { continue };
        let names = names.trim().trim_start_matches('{').trim_end_matches('}');
        let names = names
            .split(',')
            .map(|n| n.trim().rsplit(" as ").next().unwrap_or_default().trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect();
        found.push((child.trim().to_owned(), names));
    }
    found
}

/// Every `crate::`, `super::` and `self::` path in code, with its line: braces expanded
/// (`crate::api::{error, url::BaseUrl}` is two paths), each path as its segments.
fn paths(code: &str) -> Vec<(usize, usize, Vec<String>)> {
    let chars: Vec<char> = code.chars().collect();
    let inline = inline_modules(&chars);
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word =
            i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        let word: String = chars[i..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect();
        if starts_word
            && ["crate", "super", "self"].contains(&word.as_str())
            && chars.get(i + word.len()) == Some(&':')
        {
            let line = chars[..i].iter().filter(|c| **c == '\n').count() + 1;
            let depth = inline.iter().filter(|(start, end)| (*start..*end).contains(&i)).count();
            let mut at = i;
            for path in path_tree(&chars, &mut at) {
                found.push((line, depth, path));
            }
            i = at.max(i + 1);
        } else {
            i += word.len().max(1);
        }
    }
    found
}

/// Where inline modules (`mod tests { … }`) start and end: inside one, `super` is the
/// file's own module.
fn inline_modules(chars: &[char]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 4 < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if starts_word && chars[i..].starts_with(&['m', 'o', 'd', ' ']) {
            let mut j = i + 4;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == ' ') {
                j += 1;
            }
            if chars.get(j) == Some(&'{') {
                let mut depth = 0;
                let mut k = j;
                while k < chars.len() {
                    match chars[k] {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    k += 1;
                }
                found.push((j, k));
            }
        }
        i += 1;
    }
    found
}

/// The paths a `use` tree or an expression path starting at `at` spells.
fn path_tree(chars: &[char], at: &mut usize) -> Vec<Vec<String>> {
    let skip_space = |at: &mut usize| {
        while *at < chars.len() && chars[*at].is_whitespace() {
            *at += 1;
        }
    };
    let mut prefix = Vec::new();
    loop {
        skip_space(at);
        if chars.get(*at) == Some(&'{') {
            *at += 1;
            let mut all = Vec::new();
            loop {
                skip_space(at);
                match chars.get(*at) {
                    Some('}') => {
                        *at += 1;
                        break;
                    }
                    Some(',') => *at += 1,
                    None => break,
                    _ => {
                        let before = *at;
                        for tail in path_tree(chars, at) {
                            let mut path = prefix.clone();
                            path.extend(tail);
                            all.push(path);
                        }
                        if *at == before {
                            *at += 1;
                        }
                    }
                }
            }
            return all;
        }
        let word: String =
            chars[*at..].iter().take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '*').collect();
        if word.is_empty() {
            return vec![prefix];
        }
        *at += word.chars().count();
        prefix.push(word);
        skip_space(at);
        if chars.get(*at) == Some(&':') && chars.get(*at + 1) == Some(&':') {
            *at += 2;
        } else {
            return vec![prefix];
        }
    }
}

/// The code with comments, strings and character literals blanked (line breaks kept).
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !chars[i - 1].is_alphanumeric())
        {
            // A raw string: r"…", r#"…"#.
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < chars.len() {
                if chars[i] == '"'
                    && chars[i + 1..].iter().take(hashes).filter(|c| **c == '#').count() == hashes
                {
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&c) = chars.get(i) {
                    out.push(blank(c));
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}
