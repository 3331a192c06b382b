// TEMPORARY dev tool (to be deleted): time resvg on SVG files.
use resvg::{tiny_skia, usvg};
fn main() {
    for path in std::env::args().skip(1) {
        let svg = std::fs::read_to_string(&path).unwrap();
        let opt = usvg::Options::default();
        let n = 10;
        let (mut tp, mut tr, mut te) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let t = std::time::Instant::now();
            let tree = usvg::Tree::from_str(&svg, &opt).unwrap();
            tp += t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let s = tree.size().to_int_size();
            let mut pm = tiny_skia::Pixmap::new(s.width(), s.height()).unwrap();
            resvg::render(&tree, tiny_skia::Transform::default(), &mut pm.as_mut());
            tr += t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let png = pm.encode_png().unwrap();
            te += t.elapsed().as_secs_f64();
            assert!(!png.is_empty());
        }
        let k = 1000.0 / n as f64;
        println!(
            "{path}: parse {:.2} ms render {:.2} ms encode {:.2} ms",
            tp * k,
            tr * k,
            te * k
        );
    }
}
