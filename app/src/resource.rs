//! The pages' resources: data a page loads through a server function, rendered on the server
//! and handed to the browser inside the page for hydration.
//!
//! Leptos's default codec reads that handed-over JSON with `serde_json::from_str`, while the
//! same types arriving as a server function's answer are read with `from_slice`. Each reader is
//! compiled separately for every type it reads, so every page's data types were in the
//! WebAssembly twice: a tenth of its code was `deserialize_struct` (issue 18). [`Json`] reads
//! the handed-over text as bytes, with the very code that reads server functions' answers.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// JSON, read with `serde_json::from_slice` like server functions' answers.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A page's resource, carried as [`Json`].
pub type Data<T> = Resource<T, Json>;

/// Loads `fetcher(source())` again whenever the source changes (`Resource::new`).
#[track_caller]
pub fn load<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Data<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// As [`load`], holding the page's first byte until it has loaded (`Resource::new_blocking`).
#[track_caller]
pub fn load_blocking<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Data<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Page {
        title: String,
        count: u32,
    }

    #[test]
    fn what_is_handed_over_reads_back_the_same() {
        let page = Page {
            title: "Laptop \u{2014} \"new\" <b>".into(),
            count: 3,
        };
        let text = <Json as Encoder<Page>>::encode(&page).unwrap();
        assert_eq!(<Json as Decoder<Page>>::decode(&text).unwrap(), page);
        assert!(<Json as Decoder<Page>>::decode("{\"title\": 1}").is_err());
    }
}
