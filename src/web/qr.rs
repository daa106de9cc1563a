//! A small QR Code encoder (ISO/IEC 18004) for the verification link
//! printed on each paper: byte mode, error-correction level M, versions
//! 1–10, drawn as one SVG path. Written here rather than pulled in as a
//! crate to keep the Worker's wasm small: the only table is the block
//! layout of versions 1–10 at level M, Reed–Solomon multiplies bit by bit
//! and everything is integer arithmetic. The structure follows Project
//! Nayuki's reference encoder.

use std::fmt::Write;

/// Modules of light margin around the symbol, as the standard requires.
const QUIET: usize = 4;

/// Per version 1–10 at level M: total codewords, error-correction
/// codewords per block, number of blocks (ISO/IEC 18004 table 9).
const BLOCKS: [(u16, u8, u8); 10] = [
    (26, 10, 1),
    (44, 16, 1),
    (70, 26, 1),
    (100, 18, 2),
    (134, 24, 2),
    (172, 16, 4),
    (196, 18, 4),
    (242, 22, 4),
    (292, 22, 5),
    (346, 26, 5),
];

/// A finished symbol without its quiet zone: `size`×`size` modules, row by
/// row, `true` for dark.
pub struct Matrix {
    pub size: usize,
    pub dark: Vec<bool>,
}

impl Matrix {
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.size + x]
    }
}

/// The symbol for `text`, or `None` when it is longer than version 10-M
/// holds (213 bytes).
pub fn matrix(text: &str) -> Option<Matrix> {
    let grid = encode(text)?;
    Some(Matrix {
        size: grid.size,
        dark: grid.cells.iter().map(|c| c & DARK != 0).collect(),
    })
}

/// The finished grid for `text`: smallest version, best mask.
fn encode(text: &str) -> Option<Grid> {
    let data = text.as_bytes();
    let (index, row) = BLOCKS.iter().enumerate().find(|&(i, row)| {
        let count_bits = if i < 9 { 8 } else { 16 };
        4 + count_bits + 8 * data.len() <= 8 * data_len(row)
    })?;
    let (version, &(total, ecc_len, blocks)) = (index + 1, row);
    let mut grid = Grid::new(version);
    let codewords = codewords(data, version, data_len(row));
    grid.draw_codewords(&interleave(
        &codewords,
        total.into(),
        ecc_len.into(),
        blocks.into(),
    ));
    let mut best = (usize::MAX, 0);
    for mask in 0..8 {
        grid.apply_mask(mask);
        grid.draw_format(mask);
        best = best.min((grid.penalty(), mask));
        grid.apply_mask(mask);
    }
    let mask = best.1;
    grid.apply_mask(mask);
    grid.draw_format(mask);
    Some(grid)
}

/// The symbol for `text` as an SVG image: a white square with the quiet
/// zone and one path of dark runs, one `M x y h n v1 h-n z` per run (about
/// 5 KB for a 72-byte link, 7 KB at version 7). `label` is the accessible
/// name, escaped here for the attribute.
pub fn svg(text: &str, label: &str) -> Option<String> {
    let m = encode(text)?;
    let side = m.size + 2 * QUIET;
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img" aria-label=""#
    );
    for c in label.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out.push_str(r##""><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##);
    for y in 0..m.size {
        let mut x = 0;
        while x < m.size {
            let start = x;
            while x < m.size && m.dark(x, y) {
                x += 1;
            }
            if x > start {
                let run = x - start;
                let _ = write!(out, "M{} {}h{run}v1h-{run}z", start + QUIET, y + QUIET);
            }
            x += 1;
        }
    }
    out.push_str("\"/></svg>");
    Some(out)
}

/// Data codewords of one version-row of `BLOCKS`.
fn data_len(&(total, ecc_len, blocks): &(u16, u8, u8)) -> usize {
    usize::from(total) - usize::from(ecc_len) * usize::from(blocks)
}

/// The data codewords: byte-mode header, the bytes, terminator and the
/// alternating pad bytes up to `capacity`.
fn codewords(data: &[u8], version: usize, capacity: usize) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.push(0b0100, 4);
    bits.push(data.len() as u32, if version < 10 { 8 } else { 16 });
    for &b in data {
        bits.push(b.into(), 8);
    }
    let room = capacity * 8 - bits.len;
    bits.push(0, room.min(4));
    bits.push(0, (8 - bits.len % 8) % 8);
    let mut out = bits.bytes;
    let mut pad = 0xEC;
    while out.len() < capacity {
        out.push(pad);
        pad ^= 0xEC ^ 0x11;
    }
    out
}

#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    len: usize,
}

impl Bits {
    /// Appends the low `n` bits of `value`, most significant first.
    fn push(&mut self, value: u32, n: usize) {
        for i in (0..n).rev() {
            if self.len % 8 == 0 {
                self.bytes.push(0);
            }
            if let Some(last) = self.bytes.last_mut() {
                *last |= (((value >> i) & 1) as u8) << (7 - self.len % 8);
            }
            self.len += 1;
        }
    }
}

/// Splits the data into blocks (the short ones first), adds each block's
/// Reed–Solomon codewords and interleaves them as the standard orders them.
fn interleave(data: &[u8], total: usize, ecc_len: usize, blocks: usize) -> Vec<u8> {
    let short = blocks - total % blocks;
    let short_data = total / blocks - ecc_len;
    let start = |j: usize| j * short_data + j.saturating_sub(short);
    let divisor = rs_divisor(ecc_len);
    let mut ecc = vec![0u8; blocks * ecc_len];
    for (j, rem) in ecc.chunks_mut(ecc_len).enumerate() {
        rs_remainder(&data[start(j)..start(j + 1)], &divisor, rem);
    }
    let mut out = Vec::with_capacity(total);
    for i in 0..=short_data {
        for j in 0..blocks {
            if i < short_data || j >= short {
                out.push(data[start(j) + i]);
            }
        }
    }
    for i in 0..ecc_len {
        for j in 0..blocks {
            out.push(ecc[j * ecc_len + i]);
        }
    }
    out
}

/// Product in GF(2⁸) modulo x⁸+x⁴+x³+x²+1 (0x11D).
fn gf_mul(x: u8, y: u8) -> u8 {
    let mut z: u16 = 0;
    for i in (0..8).rev() {
        z = (z << 1) ^ ((z >> 7) * 0x11D);
        z ^= u16::from((y >> i) & 1) * u16::from(x);
    }
    z as u8
}

/// The generator polynomial ∏(x − αⁱ), i < `degree`, highest coefficient
/// (always 1) left out.
fn rs_divisor(degree: usize) -> Vec<u8> {
    let mut poly = vec![0u8; degree];
    poly[degree - 1] = 1;
    let mut root = 1u8;
    for _ in 0..degree {
        for j in 0..degree {
            poly[j] = gf_mul(poly[j], root);
            if j + 1 < degree {
                poly[j] ^= poly[j + 1];
            }
        }
        root = gf_mul(root, 2);
    }
    poly
}

/// Writes the error-correction codewords of `data` into `rem` (zeroed,
/// as long as `divisor`).
fn rs_remainder(data: &[u8], divisor: &[u8], rem: &mut [u8]) {
    for &b in data {
        let factor = b ^ rem[0];
        rem.copy_within(1.., 0);
        if let Some(last) = rem.last_mut() {
            *last = 0;
        }
        for (r, &d) in rem.iter_mut().zip(divisor) {
            *r ^= gf_mul(d, factor);
        }
    }
}

/// Cell flags of the grid under construction.
const DARK: u8 = 1;
const FUNCTION: u8 = 2;

struct Grid {
    size: usize,
    cells: Vec<u8>,
}

impl Grid {
    /// A grid with every function pattern drawn: finders, timing,
    /// alignment, version information and room for the format bits.
    fn new(version: usize) -> Grid {
        let size = version * 4 + 17;
        let mut g = Grid {
            size,
            cells: vec![0; size * size],
        };
        for i in 0..size {
            g.set(6, i, i % 2 == 0);
            g.set(i, 6, i % 2 == 0);
        }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            g.square(x, y, 4, 0b01011);
        }
        let align: &[usize] = match version {
            1 => &[],
            2..=6 => &[6, size - 7],
            _ => &[6, (size - 1) / 2, size - 7],
        };
        for &x in align {
            for &y in align {
                // Skip the three corners a finder pattern already holds.
                let on_finder = x.min(y) == 6 && x.max(y) != (size - 1) / 2;
                if !on_finder {
                    g.square(x, y, 2, 0b101);
                }
            }
        }
        g.draw_format(0);
        if version >= 7 {
            let mut rem = version as u32;
            for _ in 0..12 {
                rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
            }
            let bits = (version as u32) << 12 | rem;
            for i in 0..18 {
                let dark = (bits >> i) & 1 != 0;
                let (a, b) = (size - 11 + i % 3, i / 3);
                g.set(a, b, dark);
                g.set(b, a, dark);
            }
        }
        g
    }

    fn set(&mut self, x: usize, y: usize, dark: bool) {
        self.cells[y * self.size + x] = FUNCTION | u8::from(dark);
    }

    fn dark(&self, x: usize, y: usize) -> bool {
        self.cells[y * self.size + x] & DARK != 0
    }

    /// Draws the square of radius `r` around (`cx`, `cy`), clipped to the
    /// grid, ring `n` (0 in the centre) dark when bit `n` of `rings` is set.
    fn square(&mut self, cx: usize, cy: usize, r: usize, rings: u8) {
        for y in cy.saturating_sub(r)..=(cy + r).min(self.size - 1) {
            for x in cx.saturating_sub(r)..=(cx + r).min(self.size - 1) {
                let ring = x.abs_diff(cx).max(y.abs_diff(cy));
                self.set(x, y, (rings >> ring) & 1 != 0);
            }
        }
    }

    /// Both copies of the 15 format bits (level M, `mask`) and the dark
    /// module.
    fn draw_format(&mut self, mask: u8) {
        let data = u32::from(mask); // level M is 00
        let mut rem = data;
        for _ in 0..10 {
            rem = (rem << 1) ^ ((rem >> 9) * 0x537);
        }
        let bits = (data << 10 | rem) ^ 0x5412;
        let size = self.size;
        for i in 0..15 {
            let dark = (bits >> i) & 1 != 0;
            let first = match i {
                0..=5 => (8, i),
                6 => (8, 7),
                7 => (8, 8),
                8 => (7, 8),
                _ => (14 - i, 8),
            };
            self.set(first.0, first.1, dark);
            let second = if i < 8 {
                (size - 1 - i, 8)
            } else {
                (8, size - 15 + i)
            };
            self.set(second.0, second.1, dark);
        }
        self.set(8, size - 8, true);
    }

    /// Places the codewords in the zigzag of two-module columns, right to
    /// left, skipping function modules; remainder bits stay light.
    fn draw_codewords(&mut self, data: &[u8]) {
        let size = self.size;
        let mut i = 0;
        let mut right = size - 1;
        while right >= 1 {
            if right == 6 {
                right = 5;
            }
            let upward = (right + 1) & 2 == 0;
            for vert in 0..size {
                let y = if upward { size - 1 - vert } else { vert };
                for x in [right, right - 1] {
                    let cell = &mut self.cells[y * size + x];
                    if *cell & FUNCTION == 0 && i < data.len() * 8 {
                        *cell = (data[i >> 3] >> (7 - (i & 7))) & 1;
                        i += 1;
                    }
                }
            }
            right = right.saturating_sub(2);
        }
    }

    /// XORs mask pattern `mask` over the data modules; applying it twice
    /// undoes it.
    fn apply_mask(&mut self, mask: u8) {
        let size = self.size;
        for (i, cell) in self.cells.iter_mut().enumerate() {
            let (x, y) = (i % size, i / size);
            let flip = match mask {
                0 => (x + y) % 2 == 0,
                1 => y % 2 == 0,
                2 => x % 3 == 0,
                3 => (x + y) % 3 == 0,
                4 => (x / 3 + y / 2) % 2 == 0,
                5 => x * y % 2 + x * y % 3 == 0,
                6 => (x * y % 2 + x * y % 3) % 2 == 0,
                _ => ((x + y) % 2 + x * y % 3) % 2 == 0,
            };
            if flip && *cell & FUNCTION == 0 {
                *cell ^= DARK;
            }
        }
    }

    /// The four penalty rules of ISO/IEC 18004 §7.8.3: runs of five or
    /// more, 2×2 blocks, finder-like 1:1:3:1:1 patterns with four light
    /// modules on one side, and the imbalance of dark and light.
    fn penalty(&self) -> usize {
        let size = self.size;
        let mut score = 0;
        for transposed in [false, true] {
            let at = |a: usize, b: usize| {
                if transposed {
                    self.dark(b, a)
                } else {
                    self.dark(a, b)
                }
            };
            for b in 0..size {
                let mut run = 0;
                let mut window = 0u16;
                for a in 0..size {
                    let dark = at(a, b);
                    run = if a > 0 && dark == at(a - 1, b) {
                        run + 1
                    } else {
                        1
                    };
                    if run == 5 {
                        score += 3;
                    } else if run > 5 {
                        score += 1;
                    }
                    window = ((window << 1) | u16::from(dark)) & 0x7FF;
                    if a >= 10 && (window == 0b101_1101_0000 || window == 0b000_0101_1101) {
                        score += 40;
                    }
                }
            }
        }
        for y in 1..size {
            for x in 1..size {
                let d = self.dark(x, y);
                if d == self.dark(x - 1, y)
                    && d == self.dark(x, y - 1)
                    && d == self.dark(x - 1, y - 1)
                {
                    score += 3;
                }
            }
        }
        let total = size * size;
        let dark = (0..total).filter(|&i| self.cells[i] & DARK != 0).count();
        let k = (dark * 20).abs_diff(total * 10).div_ceil(total);
        score + k.saturating_sub(1) * 10
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Version and text read back from `m`.
    fn decode(m: &Matrix) -> (usize, String) {
        let (meta, text) = read(m);
        (meta.version.0, text)
    }

    /// Draws the symbol ×4 with its quiet zone, as a camera would see a
    /// print, and reads it back with an independent decoder.
    fn read(m: &Matrix) -> (rqrr::MetaData, String) {
        const SCALE: usize = 4;
        let side = (m.size + 2 * QUIET) * SCALE;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = (x / SCALE, y / SCALE);
            let inside =
                (QUIET..QUIET + m.size).contains(&mx) && (QUIET..QUIET + m.size).contains(&my);
            if inside && m.is_dark(mx - QUIET, my - QUIET) {
                0
            } else {
                255
            }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one symbol found");
        let (meta, text) = grids[0]
            .decode()
            .unwrap_or_else(|e| panic!("decodes: {e:?}"));
        assert_eq!(meta.ecc_level, 0, "level M");
        (meta, text)
    }

    fn url(len: usize) -> String {
        let base = "https://pakpos.disdukcapil.wonogirikab.go.id/verifikasi/AKT-7Q2M-9XKD-4";
        base.chars().cycle().take(len).collect()
    }

    #[test]
    fn texts_of_each_size_decode_to_themselves_in_the_smallest_version() {
        // Byte capacities at level M: v1 14, v2 26, v3 42, v4 62, v5 84,
        // v6 106, v7 122, v8 152, v9 180, v10 213.
        for (len, version) in [
            (1, 1),
            (14, 1),
            (15, 2),
            (26, 2),
            (62, 4),
            (63, 5),
            (107, 7),
            (122, 7),
            (123, 8),
            (213, 10),
        ] {
            let text = url(len);
            let m = matrix(&text).unwrap_or_else(|| panic!("{len} bytes fit"));
            assert_eq!(m.size, 17 + 4 * version, "{len} bytes");
            assert_eq!(decode(&m), (version, text), "{len} bytes");
        }
    }

    #[test]
    fn every_printable_ascii_char_survives() {
        let text: String = (b' '..=b'~').map(char::from).collect();
        let m = matrix(&text).unwrap_or_else(|| panic!("fits"));
        assert_eq!(decode(&m).1, text);
    }

    #[test]
    fn the_empty_text_is_still_a_valid_symbol() {
        let m = matrix("").unwrap_or_else(|| panic!("fits"));
        assert_eq!(decode(&m), (1, String::new()));
    }

    #[test]
    fn a_text_longer_than_version_10_holds_is_refused() {
        assert!(matrix(&url(214)).is_none());
        assert!(svg(&url(5000), "x").is_none());
    }

    #[test]
    fn every_mask_yields_a_readable_symbol() {
        // The chosen mask depends on the text; force each one in turn.
        let text = url(100);
        let version = 7;
        let (total, ecc_len, blocks) = BLOCKS[version - 1];
        let data = codewords(text.as_bytes(), version, data_len(&BLOCKS[version - 1]));
        for mask in 0..8 {
            let mut g = Grid::new(version);
            g.draw_codewords(&interleave(
                &data,
                total.into(),
                ecc_len.into(),
                blocks.into(),
            ));
            g.apply_mask(mask);
            g.draw_format(mask);
            let m = Matrix {
                size: g.size,
                dark: g.cells.iter().map(|c| c & DARK != 0).collect(),
            };
            assert_eq!(format_bits(&m), FORMAT_M[usize::from(mask)], "mask {mask}");
            let (meta, read_text) = read(&m);
            assert_eq!((meta.version.0, meta.mask), (version, mask.into()));
            assert_eq!(read_text, text, "mask {mask}");
        }
    }

    /// The 15 format bits of level M for masks 0–7 (ISO/IEC 18004 annex C;
    /// thonky.com format-version table).
    const FORMAT_M: [u32; 8] = [
        0b101010000010010,
        0b101000100100101,
        0b101111001111100,
        0b101101101001011,
        0b100010111111001,
        0b100000011001110,
        0b100111110010111,
        0b100101010100000,
    ];

    /// The format bits of `m`, after checking that both copies agree
    /// (bit 0 is the least significant).
    fn format_bits(m: &Matrix) -> u32 {
        let n = m.size;
        let first = [
            (8, 0),
            (8, 1),
            (8, 2),
            (8, 3),
            (8, 4),
            (8, 5),
            (8, 7),
            (8, 8),
            (7, 8),
            (5, 8),
            (4, 8),
            (3, 8),
            (2, 8),
            (1, 8),
            (0, 8),
        ];
        let second = (0..15).map(|i| {
            if i < 8 {
                (n - 1 - i, 8)
            } else {
                (8, n - 15 + i)
            }
        });
        let a = pack(m, first.into_iter());
        assert_eq!(pack(m, second), a, "both format copies agree");
        assert!(m.is_dark(8, n - 8), "the dark module");
        a
    }

    fn pack(m: &Matrix, cells: impl Iterator<Item = (usize, usize)>) -> u32 {
        cells
            .enumerate()
            .fold(0, |acc, (i, (x, y))| acc | u32::from(m.is_dark(x, y)) << i)
    }

    #[test]
    fn version_information_matches_the_published_codes() {
        // ISO/IEC 18004 annex D: 18-bit version codes of versions 7 and 10.
        for (len, code) in [(107, 0x07C94), (213, 0x0A4D3)] {
            let m = matrix(&url(len)).unwrap_or_else(|| panic!("fits"));
            let n = m.size;
            let top_right = (0..18).map(|i| (n - 11 + i % 3, i / 3));
            let bottom_left = (0..18).map(|i| (i / 3, n - 11 + i % 3));
            assert_eq!(pack(&m, top_right), code, "{len} bytes, top right");
            assert_eq!(pack(&m, bottom_left), code, "{len} bytes, bottom left");
        }
    }

    #[test]
    fn reed_solomon_matches_the_published_hello_world_1_m_example() {
        // thonky.com QR tutorial, "HELLO WORLD" at 1-M (alphanumeric).
        let data = [
            32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17,
        ];
        let ecc = [196, 35, 39, 119, 235, 215, 231, 226, 93, 23];
        let mut rem = [0; 10];
        rs_remainder(&data, &rs_divisor(10), &mut rem);
        assert_eq!(rem, ecc);
    }

    #[test]
    fn blocks_are_interleaved_short_first_with_their_reed_solomon_codewords() {
        // 10-M: four blocks of 43 data codewords, one of 44, 26 EC each.
        let version = 10;
        let (total, ecc_len, blocks) = BLOCKS[version - 1];
        let data = codewords(url(200).as_bytes(), version, data_len(&BLOCKS[version - 1]));
        let all = interleave(&data, total.into(), ecc_len.into(), blocks.into());
        assert_eq!(all.len(), usize::from(total));
        let mut split: Vec<Vec<u8>> = vec![Vec::new(); 5];
        let mut next = all.iter();
        for i in 0..44 {
            for (j, block) in split.iter_mut().enumerate() {
                if i < 43 || j == 4 {
                    block.extend(next.next());
                }
            }
        }
        for _ in 0..ecc_len {
            for block in split.iter_mut() {
                block.extend(next.next());
            }
        }
        assert!(next.next().is_none());
        let starts = [0, 43, 86, 129, 172, 216];
        for (j, word) in split.iter().enumerate() {
            let data_part = &word[..word.len() - usize::from(ecc_len)];
            assert_eq!(data_part, &data[starts[j]..starts[j + 1]], "block {j}");
            // A codeword c(x) has c(αⁱ) = 0 for every i below its EC length.
            let mut root = 1u8;
            for i in 0..ecc_len {
                let value = word.iter().fold(0u8, |acc, &c| gf_mul(acc, root) ^ c);
                assert_eq!(value, 0, "block {j}, root α^{i}");
                root = gf_mul(root, 2);
            }
        }
    }

    #[test]
    fn the_svg_is_one_square_path_on_white() {
        let text = url(72);
        let out = svg(&text, "Kode QR \"verifikasi\" <AKT>").unwrap_or_else(|| panic!("fits"));
        let side = matrix(&text).map(|m| m.size + 8).unwrap_or(0);
        assert!(out.starts_with("<svg "));
        assert!(out.ends_with("</svg>"));
        assert!(out.contains(&format!(r#"viewBox="0 0 {side} {side}""#)));
        assert!(out.contains(r#"shape-rendering="crispEdges""#));
        assert!(out.contains(r#"role="img" aria-label="Kode QR &quot;verifikasi&quot; &lt;AKT>""#));
        assert!(out.contains(r##"fill="#fff""##));
        assert_eq!(out.matches("<path").count(), 1);
        assert_eq!(out.matches('<').count(), 4, "svg, rect, path, /svg");
        // Painting the runs gives back exactly the dark modules, each once.
        let m = matrix(&text).unwrap_or_else(|| panic!("fits"));
        let d = out
            .split(" d=\"")
            .nth(1)
            .and_then(|d| d.strip_suffix("\"/></svg>"));
        let mut painted = vec![0u8; side * side];
        for run in d
            .unwrap_or_else(|| panic!("path data"))
            .split_terminator('z')
        {
            let nums: Vec<usize> = run
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .filter_map(|n| n.parse().ok())
                .collect();
            let [x, y, n, 1, n2] = nums[..] else {
                panic!("run {run:?}")
            };
            assert_eq!(run, format!("M{x} {y}h{n}v1h-{n2}"));
            assert_eq!(n, n2);
            for cell in &mut painted[y * side + x..y * side + x + n] {
                *cell += 1;
            }
        }
        for y in 0..side {
            for x in 0..side {
                let inside =
                    (QUIET..QUIET + m.size).contains(&x) && (QUIET..QUIET + m.size).contains(&y);
                let dark = inside && m.is_dark(x - QUIET, y - QUIET);
                assert_eq!(painted[y * side + x], u8::from(dark), "module ({x}, {y})");
            }
        }
    }
}
