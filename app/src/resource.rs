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

thread_local! {
    /// Set while a page's data is written into the page itself (see [`drawn_in_page`]).
    static IN_PAGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        struct Done;
        impl Drop for Done {
            fn drop(&mut self) {
                IN_PAGE.with(|f| f.set(false));
            }
        }
        IN_PAGE.with(|f| f.set(true));
        let _done = Done;
        serde_json::to_string(val)
    }
}

/// For `#[serde(default, skip_serializing_if = "crate::resource::drawn_in_page")]` on markup the
/// server draws into the page (the queue's rows): left out of the data handed over inside that
/// page, where the browser finds it drawn already (hydrating `inner_html` keeps the server's
/// markup), and sent in a server function's answer, which draws it anew. Written twice, the
/// queue's rows were escaped twice per page and made a quarter of its bytes.
pub fn drawn_in_page<T>(_: &T) -> bool {
    IN_PAGE.with(|f| f.get())
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

    #[derive(Debug, Default, PartialEq, Serialize, serde::Deserialize)]
    struct Drawn {
        count: u32,
        #[serde(default, skip_serializing_if = "drawn_in_page")]
        rows: String,
    }

    #[test]
    fn markup_drawn_in_the_page_is_not_handed_over_twice_but_answers_carry_it() {
        let page = Drawn {
            count: 2,
            rows: "<tr></tr><tr></tr>".into(),
        };
        let handed = <Json as Encoder<Drawn>>::encode(&page).unwrap();
        assert_eq!(handed, r#"{"count":2}"#);
        let read: Drawn = <Json as Decoder<Drawn>>::decode(&handed).unwrap();
        assert_eq!(
            read,
            Drawn {
                count: 2,
                rows: String::new()
            }
        );
        // Outside the page (a server function's answer) the rows go along.
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"count":2,"rows":"<tr></tr><tr></tr>"}"#
        );
    }

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
