//! Serves a directory recorded by [`super::record::Record`] offline: each request is answered
//! with the recorded response of the same method and parameters, under the new request's id.

use super::record::{key, params_text};
use crate::{Error, Result};
use alloy::{
    rpc::json_rpc::{RequestPacket, ResponsePacket, SerializedRequest},
    transports::{TransportError, TransportErrorKind, TransportFut},
};
use serde_json::Value;
use std::{
    collections::HashMap,
    path::Path,
    sync::Arc,
    task::{Context, Poll},
};
use tower::Service;

/// The recorded responses, by request key.
#[derive(Debug, Clone)]
pub struct Replay {
    responses: Arc<HashMap<String, Value>>,
}

/// Parameters as the lookup key sees them: serde_json's text, with the OR-lists of `eth_getLogs`
/// topics sorted. alloy keeps a filter's topic alternatives in a hash set, whose order changes
/// from one process to the next, so a recording made by one run must still match the next.
fn canonical(method: &str, mut params: Value) -> String {
    if method == "eth_getLogs"
        && let Some(filters) = params.as_array_mut()
    {
        for filter in filters {
            if let Some(topics) = filter.get_mut("topics").and_then(Value::as_array_mut) {
                for alternatives in topics.iter_mut().filter_map(Value::as_array_mut) {
                    alternatives.sort_by_key(ToString::to_string);
                }
            }
        }
    }
    params.to_string()
}

impl Replay {
    /// Loads every recorded `*.json` file of `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        let mut responses = HashMap::new();
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(dir, e))?.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let (key, response) = Self::entry(&path, &text)?;
            responses.insert(key, response);
        }
        Ok(Self { responses: Arc::new(responses) })
    }

    /// One recorded file's text (read from `path`, named in errors): its lookup key and the
    /// recorded response.
    pub fn entry(path: &Path, text: &str) -> Result<(String, Value)> {
        let value: Value = serde_json::from_str(text).map_err(|e| Error::io(path, e))?;
        let method =
            value["method"].as_str().ok_or_else(|| Error::io(path, "no \"method\" string"))?;
        let params = canonical(method, value["params"].clone());
        let response =
            value.get("response").cloned().ok_or_else(|| Error::io(path, "no \"response\""))?;
        Ok((key(method, &params), response))
    }

    /// Recorded requests available.
    pub fn len(&self) -> usize {
        self.responses.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }

    fn answer(&self, request: &SerializedRequest) -> Result<Value> {
        // Parameters are normalised through serde_json as the recorder stored them.
        let params = params_text(request);
        let normalised = serde_json::from_str::<Value>(&params)
            .map(|v| canonical(request.method(), v))
            .unwrap_or(params);
        let recorded =
            self.responses.get(&key(request.method(), &normalised)).ok_or_else(|| {
                Error::NotRecorded {
                    method: request.method().to_owned(),
                    params: normalised.clone(),
                }
            })?;
        let mut response = recorded.clone();
        if let Value::Object(map) = &mut response {
            map.insert("jsonrpc".into(), Value::from("2.0"));
            map.insert(
                "id".into(),
                serde_json::to_value(request.id()).map_err(|e| Error::rpc(request.method(), e))?,
            );
        }
        Ok(response)
    }
}

impl Service<RequestPacket> for Replay {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let answers = match &request {
                RequestPacket::Single(r) => this.answer(r).map(|a| a.to_string()),
                RequestPacket::Batch(rs) => rs
                    .iter()
                    .map(|r| this.answer(r))
                    .collect::<Result<Vec<_>>>()
                    .map(|v| Value::Array(v).to_string()),
            }
            .map_err(|e| TransportErrorKind::custom_str(&e.to_string()))?;
            serde_json::from_str(&answers).map_err(|e| TransportError::deser_err(e, answers))
        })
    }
}
