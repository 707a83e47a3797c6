//! What an organization tells about itself at sign-up (product.md section 5): the country, its
//! tax id, size, segment and address.

pub mod tax_id;
