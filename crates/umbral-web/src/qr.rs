//! QR codes as inline SVG (for `otpauth://` URIs).

use qrcode::QrCode;
use qrcode::render::svg;

/// An SVG image of `text`, without the XML declaration so that it can sit inside HTML.
pub fn svg(text: &str) -> Result<String, String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| e.to_string())?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(match image.find("<svg") {
        Some(i) => image[i..].to_string(),
        None => image,
    })
}
