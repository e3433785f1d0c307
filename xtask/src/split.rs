//! The post-link split of the app's wasm: a main module with the public pages and one chunk
//! per signed-in area (`src/areas.rs`), fetched by the browser on first visit.
//!
//! Trunk 0.21 cannot split a wasm, so it builds the page as before and this step redoes the
//! app's part of its output, in the order cargo-leptos's `--split` uses:
//! 1. `wasm-split-cli` splits cargo's raw output (linked with `--emit-relocs`, see
//!    `.cargo/config.toml`) into the main module, the chunks and their JS loader;
//! 2. `wasm-bindgen --keep-lld-exports` makes the main module's JS glue (the loader needs
//!    the linker's exports: the table, the stack pointer);
//! 3. `wasm-opt` shrinks every module; esbuild minifies the two JS files;
//! 4. every file gets a name with a hash of its content (the server caches hashed names for
//!    a year), and `index.html` points at the new names with recomputed integrity hashes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha384};

use crate::Result;
use crate::sh::{cmd, run, target_dir};
use crate::tools::Tools;

/// The app's bin name (index.html's `data-bin`): cargo's output and Trunk's file names.
const APP: &str = "ward";

/// wasm-opt's level for every module, chosen by the brotli figure, not the raw one: after
/// brotli, `-Oz` can be larger than `-O2` (binaryen#4322). `cargo xtask bench size` shows it.
pub const WASM_OPT_LEVEL: &str = "-Oz";

/// Files the split makes that the first page does not fetch: one `split_<area>` per area
/// and `chunk_<n>` for code that two areas share.
pub fn is_chunk(name: &str) -> bool {
    name.starts_with("split_") || name.starts_with("chunk_")
}

pub fn split(dist: &Path, tools: &Tools) -> Result {
    let html_path = dist.join("index.html");
    let mut html = read_text(&html_path)?;
    let trunk_js = trunk_output(&html, ".js")?;
    let trunk_wasm = trunk_output(&html, "_bg.wasm")?;

    let raw = target_dir()?.join("wasm32-unknown-unknown").join("release").join(format!("{APP}.wasm"));
    let work = target_dir()?.join("ward-split");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    }
    let bindgen_out = work.join("bindgen");
    std::fs::create_dir_all(&bindgen_out).map_err(|e| e.to_string())?;

    let path = |p: &Path| p.to_string_lossy().into_owned();
    println!("xtask: splitting the app's wasm into the main module and one chunk per area");
    let mut c = cmd("wasm-split-cli", &[&path(&raw), &path(&work), "--out-name", APP]);
    tools.apply(&mut c);
    run(&mut c)?;

    let mut c = cmd(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--keep-lld-exports",
            "--no-typescript",
            "--out-dir",
            &path(&bindgen_out),
            "--out-name",
            APP,
            &path(&work.join(format!("{APP}.wasm"))),
        ],
    );
    tools.apply(&mut c);
    run(&mut c)?;

    let main_wasm = bindgen_out.join(format!("{APP}_bg.wasm"));
    let chunks = files_where(&work, |n| is_chunk(n) && n.ends_with(".wasm"))?;
    for w in std::iter::once(&main_wasm).chain(&chunks) {
        let mut c = cmd(
            "wasm-opt",
            &[
                WASM_OPT_LEVEL,
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                &path(w),
                "-o",
                &path(w),
            ],
        );
        tools.apply(&mut c);
        run(&mut c)?;
    }

    // The chunks: content-hashed names, and the loader pointed at them.
    let loader_src = work.join("__wasm_split.js");
    let mut loader = read_text(&loader_src)?;
    let needs = chunks_by_area(&loader);
    let mut hashed_names = std::collections::HashMap::new();
    for chunk in &chunks {
        let bytes = std::fs::read(chunk).map_err(|e| e.to_string())?;
        let stem = chunk.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let hashed = format!("{stem}-{}.wasm", short_hash(&[&bytes]));
        let quoted = format!("\"./{stem}.wasm\"");
        if !loader.contains(&quoted) {
            return Err(format!("the split loader does not name {stem}.wasm: wasm-split-cli changed?"));
        }
        loader = loader.replace(&quoted, &format!("\"./{hashed}\""));
        std::fs::write(dist.join(&hashed), &bytes).map_err(|e| e.to_string())?;
        hashed_names.insert(stem, hashed);
    }

    // Glue and loader import each other, so one hash over both (and the main module) names
    // all three.
    let glue = read_text(&bindgen_out.join(format!("{APP}.js")))?;
    let main_bytes = std::fs::read(&main_wasm).map_err(|e| e.to_string())?;
    let h = short_hash(&[glue.as_bytes(), loader.as_bytes(), &main_bytes]);
    let (js_name, wasm_name, loader_name) =
        (format!("{APP}-{h}.js"), format!("{APP}-{h}_bg.wasm"), format!("{APP}-split-{h}.js"));
    // The glue imports the loader once per function it takes from it. Only the JS import
    // statements change: the wasm still names its import module `./__wasm_split.js`, and so
    // must the keys of the imports object the glue hands it.
    let glue = replace_all(
        &glue,
        "from \"./__wasm_split.js\"",
        &format!("from \"./{loader_name}\""),
        "the glue's loader import",
    )?;
    let loader = replace_all(
        &loader,
        &format!("\"./{APP}.js\""),
        &format!("\"./{js_name}\""),
        "the loader's glue import",
    )?;
    let glue = minify(tools, &work, "glue.js", &glue)?;
    let loader = minify(tools, &work, "loader.js", &loader)?;
    std::fs::write(dist.join(&js_name), &glue).map_err(|e| e.to_string())?;
    std::fs::write(dist.join(&loader_name), &loader).map_err(|e| e.to_string())?;
    std::fs::write(dist.join(&wasm_name), &main_bytes).map_err(|e| e.to_string())?;

    // index.html: the new names, their integrity, and the loader preloaded with the glue (it
    // is a static import of the glue, fetched one round trip later otherwise).
    html = repoint(&html, &trunk_js, &js_name, &glue)?;
    html = repoint(&html, &trunk_wasm, &wasm_name, &main_bytes)?;
    let preload = format!(
        "<link rel=\"modulepreload\" href=\"/{loader_name}\" crossorigin=\"anonymous\" integrity=\"{}\">",
        integrity(&loader)
    );
    html = html.replacen("</head>", &format!("{preload}</head>"), 1);
    std::fs::write(&html_path, html).map_err(|e| e.to_string())?;
    for old in [trunk_js, trunk_wasm] {
        std::fs::remove_file(dist.join(&old)).map_err(|e| format!("{old}: {e}"))?;
    }
    copy_word_tables(dist)?;
    write_preloads(dist, &needs, &hashed_names)?;
    // Trunk's other wasm (the QR worker) was linked with the same relocations, which its
    // wasm-bindgen and wasm-opt keep: dead weight for the browser.
    for w in files_where(dist, |n| n.ends_with(".wasm"))? {
        strip_link_sections(&w)?;
    }
    Ok(())
}

/// The areas' word tables (one JSON file per area and language, fetched with the area's
/// chunk, see `src/i18n.rs`): build.rs wrote them beside the code it generated for this build;
/// their names carry a hash of their content, which that code names.
fn copy_word_tables(dist: &Path) -> Result {
    let build = target_dir()?.join("wasm32-unknown-unknown").join("release").join("build");
    let newest = std::fs::read_dir(&build)
        .map_err(|e| format!("{}: {e}", build.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{APP}-")))
        .filter_map(|e| {
            let out = e.path().join("out");
            let at = std::fs::metadata(out.join("words.rs")).and_then(|m| m.modified()).ok()?;
            Some((at, out.join("words")))
        })
        .max_by_key(|(at, _)| *at)
        .map(|(_, dir)| dir)
        .ok_or("no word tables under the app's build output: did build.rs run?")?;
    for table in files_where(&newest, is_word_table)? {
        let name = table.file_name().ok_or("a word table without a name")?;
        std::fs::copy(&table, dist.join(name)).map_err(|e| format!("{}: {e}", table.display()))?;
    }
    Ok(())
}

/// An area's word table (`words-<area>-<locale>-<hash>.json`), fetched with the area's chunk.
pub fn is_word_table(name: &str) -> bool {
    name.starts_with("words-") && name.ends_with(".json")
}

/// Removes the linker's custom sections (`linking`, `reloc.*`) from a wasm file in place.
fn strip_link_sections(p: &Path) -> Result {
    let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let bad = || format!("{} is not a wasm module", p.display());
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(bad());
    }
    let leb = |i: &mut usize| -> Option<usize> {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let b = *bytes.get(*i)?;
            *i += 1;
            v |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b < 0x80 {
                return Some(v);
            }
        }
    };
    let mut out = bytes[..8].to_vec();
    let mut i = 8;
    while i < bytes.len() {
        let start = i;
        let id = bytes[i];
        i += 1;
        let len = leb(&mut i).ok_or_else(bad)?;
        let body = i;
        let end = body.checked_add(len).filter(|e| *e <= bytes.len()).ok_or_else(bad)?;
        let drop = id == 0 && {
            let mut j = body;
            let n = leb(&mut j).ok_or_else(bad)?;
            let name = bytes.get(j..j + n).ok_or_else(bad)?;
            name == b"linking" || name.starts_with(b"reloc.")
        };
        if !drop {
            out.extend_from_slice(&bytes[start..end]);
        }
        i = end;
    }
    if out.len() != bytes.len() {
        std::fs::write(p, out).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

/// Which chunk files each area needs, read from the loader wasm-split-cli wrote: every shared
/// `chunk_<n>` is preceded by a comment naming the areas that use it (`/* account, dev */`),
/// and `split_<area>` is the area's own.
fn chunks_by_area(loader: &str) -> Vec<(String, Vec<String>)> {
    let mut needs: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |area: &str, stem: &str| match needs.iter_mut().find(|(a, _)| a == area) {
        Some((_, stems)) => stems.push(stem.to_string()),
        None => needs.push((area.to_string(), vec![stem.to_string()])),
    };
    let mut users: Vec<String> = Vec::new();
    for line in loader.lines().map(str::trim) {
        if let Some(list) = line.strip_prefix("/* ").and_then(|l| l.strip_suffix(" */")) {
            users = list.split(", ").map(str::to_string).collect();
        } else if let Some(i) = line.find("\"./") {
            let rest = &line[i + 3..];
            let Some(stem) = rest.find(".wasm\"").map(|e| &rest[..e]) else { continue };
            if let Some(area) = stem.strip_prefix("split_") {
                add(area, stem);
            } else if stem.starts_with("chunk_") {
                for area in &users {
                    add(area, stem);
                }
            }
        }
    }
    needs
}

/// `dist/preload.json`: for each route of an area (read from `src/app.rs`'s route table), the
/// chunk files and word tables it needs, so the server can name them in the page for the browser to fetch
/// while the main module compiles instead of after (`server/src/http/assets.rs`).
fn write_preloads(
    dist: &Path,
    needs: &[(String, Vec<String>)],
    hashed: &std::collections::HashMap<String, String>,
) -> Result {
    let table = read_text(&crate::sh::root().join("src").join("app.rs"))?;
    let mut routes = Vec::new();
    for line in table.lines() {
        let Some(path) = line.split("path!(\"").nth(1).and_then(|r| r.split('"').next()) else { continue };
        let Some(area) = line
            .split("Area::")
            .nth(1)
            .map(|r| r.chars().take_while(char::is_ascii_alphanumeric).collect::<String>().to_lowercase())
        else {
            continue;
        };
        let Some((_, stems)) = needs.iter().find(|(a, _)| *a == area) else {
            return Err(format!("src/app.rs routes {path} to the area `{area}`, which has no chunk"));
        };
        let mut files: Vec<String> = stems.iter().filter_map(|s| hashed.get(s).cloned()).collect();
        // The area's words, in both languages (the server does not know the reader's; each
        // is 2 KB or so): fetched beside the chunks instead of after the main module starts.
        let words = format!("words-{area}-");
        files.extend(
            files_where(dist, |n| is_word_table(n) && n.starts_with(&words))?
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
        );
        routes.push(serde_json::json!({ "path": path, "files": files }));
    }
    let json =
        serde_json::to_string_pretty(&serde_json::json!({ "routes": routes })).map_err(|e| e.to_string())?;
    std::fs::write(dist.join("preload.json"), json + "\n").map_err(|e| e.to_string())
}

/// The file name Trunk gave the app's glue (`.js`) or module (`_bg.wasm`), read from the page.
fn trunk_output(html: &str, suffix: &str) -> Result<String> {
    let prefix = format!("/{APP}-");
    let mut rest = html;
    while let Some(i) = rest.find(&prefix) {
        let candidate = &rest[i + 1..];
        let end = candidate.find(['"', '\'']).unwrap_or(candidate.len());
        let name = &candidate[..end];
        let hash = name.strip_prefix(&prefix[1..]).and_then(|n| n.strip_suffix(suffix));
        // Trunk prints its 64-bit hash without leading zeros: up to 16 hex digits.
        if hash.is_some_and(|h| (1..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Ok(name.to_string());
        }
        rest = &rest[i + prefix.len()..];
    }
    Err(format!("index.html names no {APP}-<hash>{suffix}: did Trunk's output change?"))
}

/// Points every mention of `old` at `new` and recomputes the integrity hash of each tag
/// that names it. Trunk's minified HTML may leave attribute values unquoted.
fn repoint(html: &str, old: &str, new: &str, content: &[u8]) -> Result<String> {
    if !html.contains(old) {
        return Err(format!("index.html does not name {old}"));
    }
    let html = html.replace(old, new);
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('>').map_or(rest.len(), |c| c + open + 1);
        let tag = &rest[open..close];
        if tag.contains(&format!("/{new}")) {
            out.push_str(&with_integrity(tag, &integrity(content)));
        } else {
            out.push_str(tag);
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The tag with its `integrity` value replaced (quoted or not); unchanged without one.
fn with_integrity(tag: &str, value: &str) -> String {
    let Some(i) = tag.find("integrity=") else { return tag.to_string() };
    let start = i + "integrity=".len();
    let (start, end) = match tag[start..].chars().next() {
        Some(q @ ('"' | '\'')) => {
            let s = start + 1;
            (s, tag[s..].find(q).map_or(tag.len(), |e| e + s))
        }
        _ => (start, tag[start..].find([' ', '>']).map_or(tag.len(), |e| e + start)),
    };
    format!("{}{value}{}", &tag[..start], &tag[end..])
}

fn integrity(content: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(content)))
}

/// 16 hex digits over the parts, for cache-busting names (not a security property).
fn short_hash(parts: &[&[u8]]) -> String {
    let mut h = DefaultHasher::new();
    for p in parts {
        p.hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

fn replace_all(text: &str, from: &str, to: &str, what: &str) -> Result<String> {
    if text.contains(from) {
        Ok(text.replace(from, to))
    } else {
        Err(format!("{what}: `{from}` not found (did wasm-bindgen or wasm-split-cli change?)"))
    }
}

/// esbuild's minification of an ES module (what Trunk does for the glue it makes itself).
fn minify(tools: &Tools, work: &Path, name: &str, js: &str) -> Result<Vec<u8>> {
    let src = work.join(name);
    let out = work.join(format!("min-{name}"));
    std::fs::write(&src, js).map_err(|e| e.to_string())?;
    let mut c = cmd(
        "esbuild",
        &[
            &src.to_string_lossy(),
            "--minify",
            "--format=esm",
            "--log-level=warning",
            &format!("--outfile={}", out.display()),
        ],
    );
    tools.apply(&mut c);
    run(&mut c)?;
    std::fs::read(&out).map_err(|e| e.to_string())
}

fn read_text(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn files_where(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let p = entry.map_err(|e| e.to_string())?.path();
        if p.file_name().and_then(|n| n.to_str()).is_some_and(&keep) {
            found.push(p);
        }
    }
    found.sort();
    Ok(found)
}
