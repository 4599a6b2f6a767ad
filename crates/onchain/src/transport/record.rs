//! `--record DIR`: every request that got an answer is saved as one JSON file of data (method,
//! parameters, and the result or the JSON-RPC error), named by the hash of method and parameters,
//! which is also how [`super::replay::Replay`] finds it again.

use crate::{Error, Result};
use alloy::{
    primitives::keccak256,
    rpc::json_rpc::{RequestPacket, ResponsePacket, ResponsePayload, SerializedRequest},
    transports::{BoxTransport, TransportError, TransportErrorKind, TransportFut},
};
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    task::{Context, Poll},
};
use tower::Service;

/// The key of a request: method and parameters, ids excluded (they differ between runs).
pub(crate) fn key(method: &str, params: &str) -> String {
    let mut material = method.as_bytes().to_vec();
    material.push(b'\n');
    material.extend_from_slice(params.as_bytes());
    format!("{:x}", keccak256(material))
}

/// The parameters of a request as JSON text (`[]` when it has none).
pub(crate) fn params_text(request: &SerializedRequest) -> String {
    request.params().map_or_else(|| "[]".to_owned(), |p| p.get().to_owned())
}

/// Saves each request and response under a directory.
#[derive(Debug, Clone)]
pub struct Record {
    inner: BoxTransport,
    dir: PathBuf,
}

impl Record {
    /// Records into `dir`, created if needed.
    pub fn new(inner: BoxTransport, dir: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Self { inner, dir })
    }
}

fn payload_json(payload: &ResponsePayload) -> Result<Value, serde_json::Error> {
    Ok(match payload {
        ResponsePayload::Success(raw) => {
            json!({ "result": serde_json::from_str::<Value>(raw.get())? })
        }
        ResponsePayload::Failure(error) => json!({ "error": serde_json::to_value(error)? }),
    })
}

fn save(dir: &Path, request: &RequestPacket, response: &ResponsePacket) -> Result<(), String> {
    let requests: Vec<&SerializedRequest> = match request {
        RequestPacket::Single(r) => vec![r],
        RequestPacket::Batch(rs) => rs.iter().collect(),
    };
    for r in requests {
        let Some(payload) = response
            .payloads()
            .zip(response.response_ids())
            .find_map(|(p, id)| (id == r.id()).then_some(p))
        else {
            continue;
        };
        let params = params_text(r);
        let entry = json!({
            "method": r.method(),
            "params": serde_json::from_str::<Value>(&params).map_err(|e| e.to_string())?,
            "response": payload_json(payload).map_err(|e| e.to_string())?,
        });
        let path = dir.join(format!("{}.json", key(r.method(), &params)));
        let text = serde_json::to_string_pretty(&entry).map_err(|e| e.to_string())?;
        crate::whole::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

impl Service<RequestPacket> for Record {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let mut inner = self.inner.clone();
        let dir = self.dir.clone();
        Box::pin(async move {
            let response = inner.call(request.clone()).await?;
            // A recording that silently misses a request would make the replay fail later and
            // far away: fail here instead.
            save(&dir, &request, &response)
                .map_err(|e| TransportErrorKind::custom_str(&format!("recording: {e}")))?;
            Ok(response)
        })
    }
}
