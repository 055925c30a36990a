"""The wire formats: how the proxy speaks Anthropic Messages to clients and OpenAI chat completions
to the custom models, and reads back what either API answered. Pure: values in, values out.

    request     Anthropic request -> chat-completions request     (anthropic_to_openai)
                OpenAI request -> the endpoint's request          (openai_for_endpoint)
    response    chat completion -> Anthropic message               (openai_to_anthropic)
    stream      chat-completion chunks -> Anthropic events         (AnthropicStream)
    chunks      streamed bytes -> chat-completion chunks           (OpenAIStreamDecoder)
    sse         server-sent events, encoded and decoded            (encode_sse, SSEDecoder)
    answers     a relayed answer's text, tool calls and usage      (read, Answer)
    ids         msg_/toolu_ ids
"""

from runtime.errors import TranslationError, UnsupportedContent, UpstreamFormatError
from runtime.wire.answers import Answer
from runtime.wire.api import JSON, Api
from runtime.wire.chunks import OpenAIStreamDecoder
from runtime.wire.ids import message_id, tool_use_id
from runtime.wire.request import anthropic_to_openai, openai_for_endpoint
from runtime.wire.response import openai_to_anthropic
from runtime.wire.sse import PING_SSE, SSEDecoder, encode_sse
from runtime.wire.stream import AnthropicStream

__all__ = [
    "JSON",
    "PING_SSE",
    "Answer",
    "AnthropicStream",
    "Api",
    "OpenAIStreamDecoder",
    "SSEDecoder",
    "TranslationError",
    "UnsupportedContent",
    "UpstreamFormatError",
    "anthropic_to_openai",
    "encode_sse",
    "message_id",
    "openai_for_endpoint",
    "openai_to_anthropic",
    "tool_use_id",
]
