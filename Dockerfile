# Production image: the binary is built with -tags nodev, so the embedded
# Temporal server (and `dev`) is not linked in; ~34 MB instead of ~270 MB.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -tags nodev -trimpath -ldflags="-s -w" -o /out/channel-removal ./cmd/channel-removal

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/channel-removal /usr/local/bin/channel-removal
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/channel-removal"]
CMD ["api"]
