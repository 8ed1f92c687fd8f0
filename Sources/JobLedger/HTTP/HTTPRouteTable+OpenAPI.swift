/// docs/openapi.yaml, generated from the route specs: the paths, methods, parameters, status
/// codes and headers come from ``HTTPRouteTable/specs``; the schemas are written here once.
/// `OpenAPITests` holds the committed file equal to this text.
extension HTTPRouteTable {
    public static var openAPIDocument: String {
        var yaml = """
            openapi: 3.1.0
            info:
              title: JobLedger HTTP routes
              version: 1.0.0
              description: >-
                Every endpoint of the five vendor documents JobLedger answers (Sestek, NuPIC Training
                Module, llama-stack, Novita, Bluesight), as served by HTTPRouteTable. Generated from the
                route table; see docs/http.md. Every error response also carries the header
                JobLedger-Error-Code.
            servers:
              - url: http://127.0.0.1:8080
            tags:

            """
        for vendor in HTTPRouteSpec.Vendor.allCases {
            yaml += "  - name: \(vendor.rawValue)\n    description: \(quote(vendor.title))\n"
        }
        yaml += "paths:\n"
        var paths: [String] = []
        for spec in specs where !paths.contains(spec.path) { paths.append(spec.path) }
        for path in paths {
            yaml += "  \(path):\n"
            for spec in specs where spec.path == path { yaml += operation(spec) }
        }
        yaml += components.replacingStatus(with: statusProperties)
        return yaml
    }

    private static func quote(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return writer.string
    }

    private static func operation(_ spec: HTTPRouteSpec) -> String {
        var yaml = "    \(spec.method.lowercased()):\n"
        yaml += "      operationId: \(spec.operationID)\n"
        yaml += "      summary: \(quote(spec.summary))\n"
        yaml += "      tags: [\(spec.vendor.rawValue)]\n"
        if spec.deprecated { yaml += "      deprecated: true\n" }
        yaml += spec.bearer ? "      security:\n        - bearer: []\n" : "      security: []\n"
        if !spec.parameters.isEmpty {
            yaml += "      parameters:\n"
            for parameter in spec.parameters {
                yaml += "        - name: \(parameter.name)\n"
                yaml += "          in: \(parameter.location.rawValue)\n"
                yaml += "          required: \(parameter.required)\n"
                yaml += "          description: \(quote(parameter.description))\n"
                yaml += "          schema:\n            type: \(parameter.type)\n"
                if let pattern = parameter.pattern { yaml += "            pattern: \(quote(pattern))\n" }
            }
        }
        if let body = spec.requestBody {
            yaml += "      requestBody:\n        required: true\n        content:\n          application/json:\n"
            yaml += "            schema:\n              $ref: '#/components/schemas/\(body)'\n"
        }
        yaml += "      responses:\n"
        for response in spec.responses {
            yaml += "        '\(response.status)':\n"
            yaml += "          description: \(quote(response.description))\n"
            let headers = response.headers + (response.status >= 400 ? ["JobLedger-Error-Code"] : [])
            if !headers.isEmpty {
                yaml += "          headers:\n"
                for header in headers { yaml += "            \(header):\n              $ref: '#/components/headers/\(header)'\n" }
            }
            let schema = response.status == 422 && spec.vendor == .nupic ? "HTTPValidationError" : response.schema
            yaml += "          content:\n            \(response.contentType):\n"
            yaml += "              schema:\n                $ref: '#/components/schemas/\(schema)'\n"
        }
        return yaml
    }

    /// The four keys of NuPIC's status dictionary, shared by its response schemas.
    private static let statusProperties = """
                state:
                  type: string
                  enum: [setup, preprocessing, preprocessed, training, trained, failed, stopped]
                model_ready:
                  type: boolean
                percent:
                  type: integer
                  minimum: 0
                  maximum: 100
                import_status:
                  type: string
                  enum: [none, importing, imported, failed]
        """

    private static let components = #"""
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
              description: Checked by the closure the embedder gives HTTPRouteTable (jobledger-server compares it with JOBLEDGER_TOKEN).
          headers:
            Deprecation:
              description: RFC 9745, deprecated since 2025-01-01T00:00:00Z.
              required: true
              schema:
                type: string
                const: '@1735689600'
            Link:
              description: The successor of the deprecated path, rel="successor-version".
              required: true
              schema:
                type: string
            WWW-Authenticate:
              description: Bearer, with error="invalid_token" when a token was refused.
              required: true
              schema:
                type: string
            JobLedger-Error-Code:
              description: The stable code of the error (unknown_job, invalid_job_id, validation_error, unauthorized …).
              required: true
              schema:
                type: string
          schemas:
            SestekProgress:
              type: object
              additionalProperties: false
              required: [percent, trainingStatus, inferenceStatus]
              properties:
                percent:
                  type: integer
                  minimum: 0
                  maximum: 100
                trainingStatus:
                  type: string
                  enum: [Initialized, PendingTraining, DatasetUploading, DataProcessing, TrainingStarted, Training, Trained, ModelUploading, Completed, Failed]
                inferenceStatus:
                  enum: [Pending, Running, null]
            Problem:
              type: object
              description: RFC 7807 problem details with JobLedger's stable code.
              additionalProperties: false
              required: [status, title, detail, code]
              properties:
                status:
                  type: integer
                title:
                  type: string
                detail:
                  type: string
                code:
                  type: string
            Error:
              type: object
              description: llama-stack's error response. Roughly follows RFC 7807.
              additionalProperties: false
              required: [status, title, detail]
              properties:
                status:
                  type: integer
                title:
                  type: string
                detail:
                  type: string
                instance:
                  type: string
            PostTrainingJobStatusResponse:
              type: object
              additionalProperties: false
              required: [job_uuid, status, checkpoints]
              properties:
                job_uuid:
                  type: string
                status:
                  type: string
                  enum: [completed, in_progress, failed, scheduled, cancelled]
                scheduled_at:
                  type: string
                  format: date-time
                started_at:
                  type: string
                  format: date-time
                completed_at:
                  type: string
                  format: date-time
                resources_allocated:
                  type: object
                checkpoints:
                  type: array
                  items:
                    $ref: '#/components/schemas/Checkpoint'
            Checkpoint:
              type: object
              additionalProperties: false
              required: [identifier, created_at, epoch, post_training_job_id, path]
              properties:
                identifier:
                  type: string
                created_at:
                  type: string
                  format: date-time
                epoch:
                  type: integer
                post_training_job_id:
                  type: string
                path:
                  type: string
                training_metrics:
                  $ref: '#/components/schemas/PostTrainingMetric'
            PostTrainingMetric:
              type: object
              additionalProperties: false
              required: [epoch, train_loss, validation_loss, perplexity]
              properties:
                epoch:
                  type: integer
                train_loss:
                  type: number
                validation_loss:
                  type: number
                perplexity:
                  type: number
            NovitaTaskList:
              type: object
              additionalProperties: false
              required: [tasks, pagination]
              properties:
                tasks:
                  type: array
                  items:
                    $ref: '#/components/schemas/NovitaTask'
                pagination:
                  type: object
                  additionalProperties: false
                  required: [next_cursor]
                  properties:
                    next_cursor:
                      type: string
            NovitaTask:
              type: object
              additionalProperties: false
              required: [task_name, task_id, task_type, task_status, created_at, models]
              properties:
                task_name:
                  type: string
                task_id:
                  type: string
                task_type:
                  type: string
                task_status:
                  type: string
                  enum: [UNKNOWN, QUEUING, TRAINING, SUCCESS, CANCELED, FAILED]
                created_at:
                  type: integer
                models:
                  type: array
                  items:
                    type: object
                    additionalProperties: false
                    required: [model_name, model_status]
                    properties:
                      model_name:
                        type: string
                      model_status:
                        type: string
                        enum: [DEPLOYING, SERVING]
            BluesightCreateJob:
              type: object
              additionalProperties: false
              required: [task, training_file]
              properties:
                task:
                  type: string
                  enum: [classification, segmentation]
                training_file:
                  type: string
                  minLength: 1
                validation_file:
                  type: [string, 'null']
                hyperparameters:
                  type: [object, 'null']
            BluesightJob:
              type: object
              additionalProperties: false
              required: [id, task, training_file, validation_file, hyperparameters, created_at, status, error, trained_model, finished_at]
              properties:
                id:
                  type: string
                task:
                  type: [string, 'null']
                training_file:
                  type: [string, 'null']
                validation_file:
                  type: [string, 'null']
                hyperparameters:
                  type: [object, 'null']
                created_at:
                  type: integer
                status:
                  type: string
                  enum: [initializing, downloading_files, validating_files, queued, running, succeeded, failed, cancelled]
                error:
                  type: [string, 'null']
                trained_model:
                  type: [string, 'null']
                finished_at:
                  type: [integer, 'null']
            OpenAIError:
              type: object
              additionalProperties: false
              required: [error]
              properties:
                error:
                  type: object
                  additionalProperties: false
                  required: [message, type, param, code]
                  properties:
                    message:
                      type: string
                    type:
                      type: string
                      enum: [invalid_request_error, authentication_error, server_error]
                    param:
                      type: [string, 'null']
                    code:
                      type: string
            HTTPExceptionDetail:
              type: object
              description: FastAPI's HTTPException body.
              additionalProperties: false
              required: [detail]
              properties:
                detail:
                  type: string
            HTTPValidationError:
              type: object
              description: FastAPI's 422 body.
              additionalProperties: false
              required: [detail]
              properties:
                detail:
                  type: array
                  items:
                    type: object
                    additionalProperties: false
                    required: [type, loc, msg, input]
                    properties:
                      type:
                        type: string
                      loc:
                        type: array
                        items:
                          type: string
                      msg:
                        type: string
                      input: {}
            TrainingConfigParams:
              type: object
              description: Each field optional; fields not listed are ignored, as pydantic ignores them.
              properties:
                model:
                  type: [string, 'null']
                task_type:
                  type: [string, 'null']
                batch_size:
                  type: [integer, 'null']
                epochs:
                  type: [integer, 'null']
                eval_metrics:
                  type: [array, 'null']
                epochs_per_test_run:
                  type: [integer, 'null']
                learning_rate:
                  type: [number, 'null']
                seed:
                  type: [integer, 'null']
                init_eval:
                  type: [boolean, 'null']
                cache_dir:
                  type: [string, 'null']
                overwrite_cache:
                  type: [boolean, 'null']
            UploadDataset:
              type: object
              required: [train_file, test_file]
              properties:
                train_file:
                  type: string
                  minLength: 1
                test_file:
                  type: string
                  minLength: 1
            NuPICStatus:
              type: object
              description: The server status dictionary.
              additionalProperties: false
              required: [state, model_ready, percent, import_status]
              properties:
        STATUS
            NuPICSession:
              type: object
              additionalProperties: false
              required: [key, state, model_ready, percent, import_status]
              properties:
                key:
                  type: string
        STATUS
            NuPICParameters:
              type: object
              additionalProperties: false
              required: [key, state, model_ready, percent, import_status, config]
              properties:
                key:
                  type: string
                config:
                  type: object
        STATUS
            NuPICMonitor:
              type: object
              additionalProperties: false
              required: [state, model_ready, percent, import_status, epoch, last_checkpoint]
              properties:
                epoch:
                  type: [integer, 'null']
                last_checkpoint:
                  oneOf:
                    - type: 'null'
                    - type: object
                      additionalProperties: false
                      required: [identifier, epoch, path, created_at]
                      properties:
                        identifier:
                          type: string
                        epoch:
                          type: integer
                        path:
                          type: string
                        created_at:
                          type: string
                          format: date-time
                        training_metrics:
                          $ref: '#/components/schemas/PostTrainingMetric'
        STATUS
            NuPICModel:
              type: object
              additionalProperties: false
              required: [model_name]
              properties:
                model_name:
                  type: string
            NuPICResults:
              type: object
              additionalProperties: false
              required: [results]
              properties:
                results:
                  type: array
                  items:
                    $ref: '#/components/schemas/Checkpoint'
            NuPICHealth:
              type: object
              additionalProperties: false
              required: [healthcheck]
              properties:
                healthcheck:
                  const: ok
        STATUS
            NuPICImportedModel:
              type: object
              additionalProperties: false
              required: [model_type, model_name, on_disk, tokenizer]
              properties:
                model_type:
                  type: string
                model_name:
                  type: string
                on_disk:
                  type: boolean
                tokenizer:
                  type: boolean

        """#
}

extension String {
    /// This text with each line `STATUS` replaced by `lines`.
    fileprivate func replacingStatus(with lines: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { $0 == "STATUS" ? lines : String($0) }.joined(separator: "\n")
    }
}
